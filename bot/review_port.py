"""Publishing a review in Slack (the ``review.published`` outbox row), and the incident channel's "Review" bookmark.

For each audience: its summary is posted, then its HTML page uploaded under it. The team version goes to the
incident channel, as that channel's readers may read it (:attr:`incidents.access.ViewerKind.CHANNEL`: a restricted
incident's channel is private, so its sensitive entries are shown behind their content warning; a standard
incident's channel is public, so they are left out); the leadership version, which names nobody on a restricted
incident, goes to ``settings.leadership_channel`` when one is set. Each step is recorded in
``incidents.postings``, so a redelivery or a retry after a failure repeats nothing that was done; a summary
posted just before a crash is found again by its metadata tag.

Before rendering, the people the review names are looked up in Slack (:class:`bot.people.PeopleDirectory`), so
the team version shows their names and the leadership version masks those names wherever they were typed out.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.delivery import PostOptions, find_own_post, incident_by_id, metadata, remember_step, slack_call
from bot.ids import PostingKind
from bot.people import PeopleDirectory
from bot.review_blocks import SummaryMessage, review_summary
from incidents.access import ViewerKind, Who
from incidents.context import Ctx, Domain
from incidents.dispatcher import Handler, RetryLater
from incidents.links import review_page
from incidents.models import Incident
from incidents.outbox import OutboxMessage, Topic, enqueue
from incidents.people import people_of
from incidents.postings import find_posting, list_postings
from incidents.reviews import (
    Audience,
    Format,
    Review,
    ReviewStatus,
    ReviewTemplates,
    review_document,
)
from incidents.settings import Settings

CHANNEL_WAIT_S = 5.0


def queue_bookmark(ctx: Ctx, incident: Incident, settings: Settings) -> None:
    """Ask for the "Review" bookmark (once the review exists, in the unit that may have started it)."""
    if review_page(settings, incident.ref) and find_posting(ctx, incident.id, PostingKind.REVIEW_BOOKMARK) is None:
        enqueue(
            ctx.session,
            Topic.REVIEW_BOOKMARK,
            now=ctx.now(),
            incident_id=incident.id,
            once_for=incident.id,
        )


@dataclass(frozen=True)
class Target:
    audience: Audience
    channel: str
    summary: PostingKind
    file: PostingKind
    file_name: str

    def reader(self, publisher: str) -> Who:
        """Who reads what is posted there, as the access policy knows them (``publisher`` is who is audited)."""
        kind = ViewerKind.CHANNEL if self.audience is Audience.TEAM else ViewerKind.LEADERSHIP
        return Who(kind, publisher)


@dataclass(frozen=True)
class Publication:
    """What publishing needs, read in one short transaction before any Slack call."""

    incident_id: int
    ref: str
    channel: str | None
    restricted: bool
    publisher: str
    published_at: float
    done: frozenset[str]
    people: frozenset[str]


class ReviewPort:
    def __init__(
        self,
        client: WebClient,
        domain: Domain,
        settings: Settings,
        templates: ReviewTemplates,
        people: PeopleDirectory,
    ) -> None:
        self.client, self.domain, self.settings, self.templates, self.people = (
            client,
            domain,
            settings,
            templates,
            people,
        )

    def handlers(self) -> dict[Topic, Handler]:
        return {Topic.REVIEW_PUBLISHED: self.publish, Topic.REVIEW_BOOKMARK: self.bookmark}

    def publish(self, message: OutboxMessage) -> None:
        plan = self._plan(message)
        if plan is None:
            return
        if plan.channel is None:
            raise RetryLater("the incident channel is not created yet", after=CHANNEL_WAIT_S)
        self.people.learn(plan.people)
        for target in self._targets(plan, plan.channel):
            if target.summary in plan.done and target.file in plan.done:
                continue
            with self.domain.unit() as ctx:
                document = review_document(ctx, plan.ref, actor=target.reader(plan.publisher), audience=target.audience)
                html = self.templates.render(document, Format.HTML, document.type_keys)
            if target.summary not in plan.done:
                self._post_summary(plan, target, review_summary(document, file_name=target.file_name), message)
            if target.file not in plan.done:
                self._upload(plan, target, html)
        if PostingKind.REVIEW_BOOKMARK not in plan.done:
            self._bookmark(plan.incident_id, plan.ref, plan.channel)

    def bookmark(self, message: OutboxMessage) -> None:
        with self.domain.unit() as ctx:
            incident = incident_by_id(ctx, message.incident_id)
            if find_posting(ctx, incident.id, PostingKind.REVIEW_BOOKMARK) is not None:
                return
            incident_id, ref, channel = incident.id, incident.ref, incident.slack_channel_id
        if channel is None:
            raise RetryLater("the incident channel is not created yet", after=CHANNEL_WAIT_S)
        self._bookmark(incident_id, ref, channel)

    def _plan(self, message: OutboxMessage) -> Publication | None:
        with self.domain.unit() as ctx:
            review = ctx.session.get(Review, message.payload.get("review_id"))
            if review is None or review.status is not ReviewStatus.PUBLISHED or review.published_at is None:
                return None
            incident = review.incident
            people = people_of(incident) | {review.owner, review.published_by}
            return Publication(
                incident_id=incident.id,
                ref=incident.ref,
                channel=incident.slack_channel_id,
                restricted=incident.tier.is_restricted,
                publisher=review.published_by or incident.declared_by,
                published_at=review.published_at.timestamp() - 1,
                done=frozenset(p.kind for p in list_postings(ctx, incident.id)),
                people=frozenset(p for p in people if p),
            )

    def _targets(self, plan: Publication, channel: str) -> list[Target]:
        targets = [
            Target(
                Audience.TEAM, channel, PostingKind.REVIEW_SUMMARY, PostingKind.REVIEW_FILE, f"{plan.ref}-review.html"
            )
        ]
        if self.settings.leadership_channel:
            targets.append(
                Target(
                    Audience.LEADERSHIP,
                    self.settings.leadership_channel,
                    PostingKind.REVIEW_LEADERSHIP,
                    PostingKind.REVIEW_LEADERSHIP_FILE,
                    f"{plan.ref}-review-leadership.html",
                )
            )
        return targets

    def _post_summary(self, plan: Publication, target: Target, summary: SummaryMessage, message: OutboxMessage) -> None:
        ts = None
        if message.attempts > 0:
            with slack_call("conversations.history"):
                ts = find_own_post(self.client, target.channel, plan.ref, target.summary, plan.published_at)
        channel = target.channel
        if ts is None:
            with slack_call("chat.postMessage"):
                response = self.client.chat_postMessage(
                    channel=target.channel,
                    metadata=metadata(plan.ref, target.summary),
                    **summary,
                    **PostOptions(plan.restricted).kwargs(),
                )
            ts, channel = str(response["ts"]), str(response["channel"])
        remember_step(self.domain, plan.incident_id, target.summary, channel, ts)

    def _upload(self, plan: Publication, target: Target, html: str) -> None:
        with slack_call("files.upload"):
            response = self.client.files_upload_v2(
                channel=target.channel,
                content=html,
                filename=target.file_name,
                title=f"Post-incident review of {plan.ref} ({target.audience.value})",
            )
        remember_step(self.domain, plan.incident_id, target.file, target.channel, str(response["file"]["id"]))

    def _bookmark(self, incident_id: int, ref: str, channel: str) -> None:
        """Bookmark the review's web page; one left by an attempt that crashed before recording is reused."""
        url = review_page(self.settings, ref)
        if url is None:
            return
        with slack_call("bookmarks.list"):
            existing = self.client.bookmarks_list(channel_id=channel).get("bookmarks") or []
        found = next((b for b in existing if b.get("link") == url), None)
        if found is None:
            with slack_call("bookmarks.add"):
                response = self.client.bookmarks_add(channel_id=channel, title="Review", type="link", link=url)
            found = response["bookmark"]
        remember_step(self.domain, incident_id, PostingKind.REVIEW_BOOKMARK, channel, str(found["id"]))
