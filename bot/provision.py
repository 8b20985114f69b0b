"""Provisioning an incident's Slack presence (the ``incident.declared`` outbox row).

Order: create the channel (asked for first, while the rest of the plan is read); then post the card and pin it
while the channel is recorded, and once it is, concurrently, invite, set topic and purpose, bookmark, and
announce (standard tier only). The only dependent chain is create → post card → pin; everything else runs beside
it. Each finished step is recorded as a posting, so a retry (after a 429, an
outage or a crash) resumes where it stopped and creates nothing twice: a channel whose creation was never
recorded is found again by name, and posts whose ts was never recorded are found by their metadata tag.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import card as cards
from bot.blocks.card import Rendered
from bot.delivery import (
    PostOptions,
    Tag,
    error_code,
    incident_by_id,
    invite,
    post_once,
    refresh_if_newer,
    remember_card,
    remember_step,
    slack_call,
)
from bot.ids import PostingKind
from bot.topics import TopicKeeper
from incidents.channel_words import channel_words
from incidents.context import Ctx, Domain
from incidents.dispatcher import RetryLater
from incidents.enums import TimelineKind
from incidents.errors import NotFound
from incidents.guards import slugify
from incidents.lifecycle import record_channel
from incidents.models import Incident
from incidents.outbox import OutboxMessage
from incidents.paging.service import pages_of
from incidents.people import is_directory_id
from incidents.postings import find_posting, list_postings, record_posting
from incidents.record.holds import active_holds
from incidents.settings import Settings
from incidents.signals.queries import incident_groups

CHANNEL_NAME_MAX = 80


def channel_name(prefix: str, ref: str, words: str) -> str:
    """``inc-2026-0042-<slug>``: the reference makes it unique; the slug is made of ``words``, the incident's
    :func:`~incidents.channel_words.channel_words` (never its title as typed)."""
    number = ref.lower().removeprefix("inc-")
    base = f"{prefix}-{number}"
    return f"{base}-{slugify(words, limit=CHANNEL_NAME_MAX - len(base) - 4)}"


def incident_channel_name(settings: Settings, incident: Incident) -> str:
    return channel_name(settings.channel_prefix, incident.ref, channel_words(incident))


def name_candidates(name: str) -> tuple[str, ...]:
    """The names to try in turn: Slack refuses one another channel has (``name_taken``)."""
    return (name, *(f"{name}-{n}" for n in range(2, 6)))


def rename_channel(client: WebClient, channel: str, name: str) -> None:
    """Give ``channel`` the name ``name``, or the first of its :func:`name_candidates` no other channel has. A name
    the channel has already counts as given (two replicas may rename it at once)."""
    for candidate in name_candidates(name):
        try:
            with slack_call("conversations.rename"):
                client.conversations_rename(channel=channel, name=candidate)
            return
        except SlackApiError as exc:
            if error_code(exc) != "name_taken":
                raise
        with slack_call("conversations.info"):
            if client.conversations_info(channel=channel)["channel"].get("name") == candidate:
                return
    raise RetryLater(f"every channel name like {name} is taken by another channel")


@dataclass(frozen=True)
class Head:
    """What creating the channel needs: the incident's row (and a restricted one's types), read before anything
    else so the channel is asked for first."""

    ref: str
    name: str
    restricted: bool
    channel: str | None


@dataclass(frozen=True)
class Plan:
    """What the steps need, read in one short transaction while the channel is being created."""

    incident_id: int
    ref: str
    restricted: bool
    declared_at: float
    done: frozenset[str]
    invite: tuple[str, ...]
    card: Rendered
    version: int
    purpose: str
    announcement: Callable[[str | None], Rendered]
    source_url: str | None


class Provisioner:
    def __init__(
        self, client: WebClient, domain: Domain, settings: Settings, pool: Executor, bot_user: str, topics: TopicKeeper
    ) -> None:
        self.client, self.domain, self.settings, self.pool, self.bot_user = client, domain, settings, pool, bot_user
        self.topics = topics

    def __call__(self, message: OutboxMessage) -> None:
        head = self._head(message)
        creating = self.pool.submit(self._create_channel, head) if head.channel is None else None
        plan = self._plan(message)  # read while the channel is being created
        recorded: Future[int] | None = None
        if creating is None:
            channel, search = head.channel, True
        else:
            channel, search = creating.result()
            recorded = self.pool.submit(self._record_channel, plan, channel, head.name)
        assert channel is not None
        after_record = partial(_after, recorded)
        steps: dict[str, Callable[[], None]] = {
            PostingKind.PIN: lambda: self._card(plan, channel, search=search, recorded=recorded),
            PostingKind.INVITE: after_record(lambda: self._invite(plan, channel)),
            PostingKind.TOPIC: after_record(lambda: self._topic(plan)),
            PostingKind.CHANNEL_PURPOSE: after_record(lambda: self._purpose(plan, channel)),
        }
        if plan.source_url:
            steps[PostingKind.BOOKMARK] = after_record(lambda: self._bookmark(plan, channel, search=search))
        if self.settings.announce_channel and not plan.restricted:
            steps[PostingKind.ANNOUNCEMENT] = after_record(lambda: self._announce(plan, channel, search=search))
        futures = {name: self.pool.submit(step) for name, step in steps.items() if name not in plan.done}
        failures = []
        for name, future in futures.items():
            try:
                future.result()
            except Exception as exc:
                failures.append((name, exc))
        if failures:
            waits = [e.after for _, e in failures if isinstance(e, RetryLater) and e.after is not None]
            summary = "; ".join(f"{name}: {exc}" for name, exc in failures)
            counts = any(not isinstance(e, RetryLater) or e.counts for _, e in failures)  # not only told to wait
            raise RetryLater(
                f"{plan.ref} provisioning incomplete ({summary})", after=max(waits) if waits else None, counts=counts
            )

    def _head(self, message: OutboxMessage) -> Head:
        with self.domain.unit() as ctx:
            return read_head(ctx, self.settings, message)

    def _plan(self, message: OutboxMessage) -> Plan:
        with self.domain.unit() as ctx:
            return read_plan(ctx, message)

    def _create_channel(self, head: Head) -> tuple[str, bool]:
        """The incident's new channel, and whether an earlier try may have posted in it: a channel found by its
        name (Slack answered ``name_taken``) is one Vigil created before a crash, and its posts are looked for."""
        name = head.name
        for candidate in name_candidates(name):
            try:
                with slack_call("conversations.create"):
                    response = self.client.conversations_create(name=candidate, is_private=head.restricted)
                return str(response["channel"]["id"]), False
            except SlackApiError as exc:
                if error_code(exc) != "name_taken":
                    raise
            channel = self._own_channel_named(candidate)
            if channel is not None:
                return channel, True
        raise RetryLater(f"{head.ref}: every channel name like {name} is taken by someone else")

    def _record_channel(self, plan: Plan, channel: str, name: str) -> int:
        """Record the channel and the name it was given; returns the incident's version that the card (rendered
        at ``plan.version``) shows once recording it has bumped the version, so a change made meanwhile is told
        apart from this one."""
        with self.domain.unit() as ctx:
            record_channel(ctx, plan.incident_id, channel)
            record_posting(ctx, plan.incident_id, PostingKind.CHANNEL_NAME, channel, cards.digest(name))
            ctx.session.flush()
            version = ctx.session.get_one(Incident, plan.incident_id).version
        return version if version == plan.version + 1 else plan.version

    def _own_channel_named(self, name: str) -> str | None:
        """A channel Vigil created under this name before a crash (someone else's channel does not count)."""
        cursor = None
        while True:
            with slack_call("conversations.list"):
                response = self.client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
                )
            for channel in response.get("channels") or []:
                if channel.get("name") == name and channel.get("creator") == self.bot_user:
                    return str(channel["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def _card(self, plan: Plan, channel: str, *, search: bool, recorded: Future[int] | None) -> None:
        """Post the card and pin it (the critical path: it does not wait for the channel to be recorded), then
        record both in one unit. A crash before the record is healed by the retry: the card is found by its
        metadata tag, brought up to date (it shows the incident as the try that posted it saw it) and pinned;
        pinning again is harmless."""
        ts = self._posting_ts(plan.incident_id, PostingKind.CARD) if PostingKind.CARD in plan.done else None
        stale = ts is not None
        if ts is None:
            posted = post_once(
                self.client,
                channel,
                Tag(plan.ref, PostingKind.CARD),
                since=plan.declared_at if search else None,
                **plan.card.as_kwargs(),
                **PostOptions(plan.restricted).kwargs(),
            )
            ts, stale = posted.ts, posted.found
        if stale:
            with slack_call("chat.update"):
                self.client.chat_update(channel=channel, ts=ts, **plan.card.as_kwargs())
        try:
            with slack_call("pins.add"):
                self.client.pins_add(channel=channel, timestamp=ts)
        except SlackApiError as exc:
            if error_code(exc) != "already_pinned":
                raise
        shown = recorded.result() if recorded is not None else plan.version
        with self.domain.unit() as ctx:
            ctx.lock_incident(ref=plan.ref)  # a change committing meanwhile either sees the card or is seen here
            first = find_posting(ctx, plan.incident_id, PostingKind.CARD) is None  # so no refresh can have edited it
            for kind in (PostingKind.CARD, PostingKind.PIN):
                if find_posting(ctx, plan.incident_id, kind) is None:
                    record_posting(ctx, plan.incident_id, kind, channel, ts)
            refresh_if_newer(ctx, plan.incident_id, shown)  # refreshes that ran before the card did nothing
            if first:
                remember_card(ctx, plan.incident_id, channel, plan.card.fingerprint(), read="")

    def _posting_ts(self, incident_id: int, kind: str) -> str | None:
        with self.domain.unit() as ctx:
            posting = find_posting(ctx, incident_id, kind)
            return posting.external_id if posting else None

    def _invite(self, plan: Plan, channel: str) -> None:
        users = [u for u in dict.fromkeys(plan.invite) if is_directory_id(u) and u != self.bot_user]
        if users:
            invite(self.client, channel, users, ref=plan.ref)
        remember_step(self.domain, plan.incident_id, PostingKind.INVITE, channel, "done")

    def _topic(self, plan: Plan) -> None:
        """The topic as the incident is when it is sent (a change after this plan was read is not lost)."""
        wait = self.topics.sync(plan.incident_id)
        if wait is not None:
            raise RetryLater(f"{plan.ref}: the channel's topic changed moments ago", after=wait, counts=False)

    def _purpose(self, plan: Plan, channel: str) -> None:
        with slack_call("conversations.setPurpose"):
            self.client.conversations_setPurpose(channel=channel, purpose=plan.purpose)
        remember_step(self.domain, plan.incident_id, PostingKind.CHANNEL_PURPOSE, channel, cards.digest(plan.purpose))

    def _bookmark(self, plan: Plan, channel: str, *, search: bool) -> None:
        assert plan.source_url is not None
        existing: list[dict[str, Any]] = []
        if search:
            with slack_call("bookmarks.list"):
                existing = self.client.bookmarks_list(channel_id=channel).get("bookmarks") or []
        found = next((b for b in existing if b.get("link") == plan.source_url), None)
        if found is None:
            with slack_call("bookmarks.add"):
                response = self.client.bookmarks_add(
                    channel_id=channel, title="Declared from this message", type="link", link=plan.source_url
                )
            found = response["bookmark"]
        remember_step(self.domain, plan.incident_id, PostingKind.BOOKMARK, channel, str(found["id"]))

    def _announce(self, plan: Plan, channel: str, *, search: bool) -> None:
        target = self.settings.announce_channel
        assert target is not None and not plan.restricted
        text = plan.announcement(channel)
        tag = Tag(plan.ref, PostingKind.ANNOUNCEMENT)
        posted = post_once(self.client, target, tag, since=plan.declared_at if search else None, **text.as_kwargs())
        if not posted.found:  # a found one's text is unknown: the next refresh brings it up to date
            remember_step(self.domain, plan.incident_id, PostingKind.ANNOUNCED_AS, posted.channel, text.fingerprint())
        remember_step(self.domain, plan.incident_id, PostingKind.ANNOUNCEMENT, posted.channel, posted.ts)


def read_head(ctx: Ctx, settings: Settings, message: OutboxMessage) -> Head:
    """What creating the channel for ``message`` needs, read in ``ctx`` (its own unit, or a rehearsal's)."""
    incident = ctx.session.get(Incident, message.incident_id)
    if incident is None:
        raise NotFound(f"incident #{message.incident_id} no longer exists")
    return Head(
        ref=incident.ref,
        name=incident_channel_name(settings, incident),
        restricted=incident.tier.is_restricted,
        channel=incident.slack_channel_id,
    )


def read_plan(ctx: Ctx, message: OutboxMessage) -> Plan:
    """What the steps of provisioning ``message`` need, read and rendered in ``ctx``."""
    incident = incident_by_id(ctx, message.incident_id)
    done = frozenset(p.kind for p in list_postings(ctx, incident.id))
    declared = next((e for e in incident.timeline if e.kind is TimelineKind.DECLARED), None)
    return Plan(
        incident_id=incident.id,
        ref=incident.ref,
        restricted=incident.tier.is_restricted,
        declared_at=incident.declared_at.timestamp() - 1,
        done=done,
        invite=tuple(message.payload.get("invite", [])),
        card=current_card(ctx, incident),
        version=incident.version,
        purpose=cards.purpose(incident),
        announcement=partial(cards.announcement, incident),
        source_url=declared.source_url if declared else None,
    )


def _after(recorded: Future[int] | None, step: Callable[[], None]) -> Callable[[], None]:
    """``step``, run once the new channel is recorded (steps off the critical path read it from the database)."""

    def run() -> None:
        if recorded is not None:
            recorded.result()
        step()

    return run


def current_card(ctx: Ctx, incident: Incident) -> Rendered:
    """The pinned card as the incident stands, with its reports, its pages and its legal holds."""
    return cards.card(
        incident,
        ctx.policy,
        ctx.now(),
        signals=incident_groups(ctx, incident.id),
        pages=pages_of(ctx, incident.id),
        holds=active_holds(ctx.session, incident.id),
    )
