"""Outbox handlers that deliver the domain's side effects to Slack.

``SlackPort(client, domain, settings).handlers()`` is what ``incidents.dispatcher.Dispatcher`` runs. Every
handler is idempotent (it checks ``incidents.postings`` before acting and records after, and a redelivered post
is looked up by its metadata tag before it is posted again), so the dispatcher's at-least-once delivery never shows
anything twice. People given a role or invited at declaration are looked up
in Slack afterwards, in the background (:class:`bot.people.PeopleDirectory`), so reviews can name them.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import card as cards
from bot.blocks import messages
from bot.delivery import (
    PostOptions,
    Tag,
    card_shown,
    direct_message_once,
    error_code,
    incident_by_id,
    invite,
    post_once,
    refresh_if_newer,
    remember_card,
    remember_step,
    retry_window,
    shows,
    slack_call,
)
from bot.ids import PostingKind, handoff_posting, timeline_posting
from bot.people import PeopleDirectory
from bot.provision import Provisioner, current_card, incident_channel_name, rename_channel
from bot.topics import TopicKeeper
from incidents.context import Domain
from incidents.dispatcher import Handler, RetryLater
from incidents.enums import HandoffState, TimelineKind
from incidents.models import Action, Handoff, TimelineEntry
from incidents.outbox import OutboxMessage, Topic
from incidents.people import is_directory_id
from incidents.postings import find_posting
from incidents.settings import Settings

CHANNEL_WAIT_S = 5.0

log = logging.getLogger(__name__)


class SlackPort:
    def __init__(
        self,
        client: WebClient,
        domain: Domain,
        settings: Settings,
        people: PeopleDirectory | None = None,
        *,
        workers: int = 32,
    ) -> None:
        self.client, self.domain, self.settings = client, domain, settings
        self.people = people or PeopleDirectory(client, domain)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigil-slack")
        self.topics = TopicKeeper(client, domain, settings.topic_interval_seconds)
        self._bot_user: str | None = None

    @property
    def bot_user(self) -> str:
        if self._bot_user is None:
            self._bot_user = str(self.client.auth_test()["user_id"])
        return self._bot_user

    def learn_identity(self) -> None:
        """Ask Slack who the bot is now rather than on the first declare (best effort: Slack may be down)."""
        try:
            _ = self.bot_user
        except Exception as exc:
            log.warning("auth.test failed (%s); will ask again on first use", exc)

    def handlers(self) -> dict[Topic, Handler]:
        return {
            Topic.INCIDENT_DECLARED: self.provision,
            Topic.INCIDENT_CHANGED: self.refresh,
            Topic.CHANNEL_TOPIC: self.topics.deliver,
            Topic.TIMELINE_ADDED: self.post_entry,
            Topic.HANDOFF_REQUESTED: self.prompt_handoff,
            Topic.ACTION_SYNC_FAILED: self.tell_sync_failed,
        }

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def provision(self, message: OutboxMessage) -> None:
        Provisioner(self.client, self.domain, self.settings, self.pool, self.bot_user, self.topics)(message)
        self.pool.submit(self.people.learn, message.payload.get("invite", []))

    def refresh(self, message: OutboxMessage) -> None:
        """Bring the card (and topic, announcement and channel name) up to date. Before the card exists there is
        nothing to edit: provisioning posts the latest state and queues another refresh if it changed meanwhile.
        A card Slack already shows is not sent again (:func:`bot.delivery.remember_card`).
        The topic is only queued (see :mod:`bot.topics`): it is sent coalesced, to stay inside Slack's Tier 2. The
        channel is renamed only when the facts it is named by change (:mod:`incidents.channel_words`)."""
        with self.domain.unit() as ctx:
            incident = incident_by_id(ctx, message.incident_id)
            card = find_posting(ctx, incident.id, PostingKind.CARD)
            named = find_posting(ctx, incident.id, PostingKind.CHANNEL_NAME)
            name = incident_channel_name(self.settings, incident)
            channel = incident.slack_channel_id
            topic_posting = find_posting(ctx, incident.id, PostingKind.TOPIC)
            announced = find_posting(ctx, incident.id, PostingKind.ANNOUNCEMENT)
            seen = find_posting(ctx, incident.id, PostingKind.ANNOUNCED_AS)
            shown = card_shown(ctx, incident.id, card.channel) if card is not None else ""
            rendered = current_card(ctx, incident)
            topic = cards.topic(incident)
            announcement = cards.announcement(incident, incident.slack_channel_id)
            incident_id, has_channel, version = incident.id, incident.slack_channel_id is not None, incident.version
        if has_channel and (topic_posting is None or topic_posting.external_id != cards.digest(topic)):
            self.topics.queue(incident_id)
        if card is None:
            return
        showing = rendered.fingerprint()
        # Sent again on a redelivery: its earlier try may have edited the card and not lived to record it.
        edit = message.redelivery or not shows(shown, showing)
        if edit:
            with slack_call("chat.update"):
                self.client.chat_update(channel=card.channel, ts=card.external_id, **rendered.as_kwargs())
        fingerprint = announcement.fingerprint()
        if announced is not None and fingerprint != (seen.external_id if seen else None):
            with slack_call("chat.update"):
                self.client.chat_update(channel=announced.channel, ts=announced.external_id, **announcement.as_kwargs())
            remember_step(self.domain, incident_id, PostingKind.ANNOUNCED_AS, announced.channel, fingerprint)
        with self.domain.unit() as ctx:
            refresh_if_newer(ctx, incident_id, version)
            if edit:
                remember_card(ctx, incident_id, card.channel, showing, read=shown)
        if channel is not None and (named is None or named.external_id != cards.digest(name)):
            rename_channel(self.client, channel, name)
            remember_step(self.domain, incident_id, PostingKind.CHANNEL_NAME, channel, cards.digest(name))

    def post_entry(self, message: OutboxMessage) -> None:
        """Post a notable timeline entry to the incident channel, once; someone given a role (or offered
        command) is added to the channel first, so the mention reaches them there."""
        with self.domain.unit() as ctx:
            entry = ctx.session.get(TimelineEntry, message.payload.get("entry_id"))
            if entry is None or entry.kind not in messages.POSTED_KINDS:
                return
            incident = entry.incident
            kind = timeline_posting(entry.id)
            if find_posting(ctx, incident.id, kind) is not None:
                return
            channel = incident.slack_channel_id
            rendered = messages.timeline_post(entry)
            options = PostOptions(incident.tier.is_restricted)
            incident_id, incident_ref = incident.id, incident.ref
            newcomer = _newcomer(entry)
            emails = _invited_by_email(entry)
        if channel is None:
            raise RetryLater("the incident channel is not created yet", after=CHANNEL_WAIT_S)
        newcomers = [newcomer] if newcomer is not None else []
        newcomers += [u for u in map(self._user_by_email, emails) if u is not None and u not in newcomers]
        if newcomers:
            invite(self.client, channel, newcomers, ref=incident_ref)
            self.pool.submit(self.people.learn, newcomers)
        tag, since = Tag(incident_ref, kind), retry_window(message)
        posted = post_once(self.client, channel, tag, since=since, **rendered.as_kwargs(), **options.kwargs())
        remember_step(self.domain, incident_id, kind, channel, posted.ts)

    def _user_by_email(self, email: str) -> str | None:
        """The workspace member with this e-mail address, or None when Slack knows nobody by it (logged)."""
        try:
            with slack_call("users.lookupByEmail"):
                found = self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if error_code(exc) != "users_not_found":
                raise
            log.info("nobody in Slack has the e-mail of a person on call; not invited")
            return None
        user = found.get("user") or {}
        return str(user["id"]) if user.get("id") else None

    def prompt_handoff(self, message: OutboxMessage) -> None:
        """Ask the proposed commander, in a direct message, to accept or decline."""
        with self.domain.unit() as ctx:
            request = ctx.session.get(Handoff, message.payload.get("handoff_id"))
            if request is None or request.state is not HandoffState.PENDING or not is_directory_id(request.to_person):
                return
            kind = handoff_posting(request.id)
            if find_posting(ctx, request.incident_id, kind) is not None:
                return
            rendered = messages.handoff_prompt(request, request.incident)
            options = PostOptions(request.incident.tier.is_restricted)
            incident_id, person, tag = request.incident_id, request.to_person, Tag(request.incident.ref, kind)
        since = retry_window(message)
        posted = direct_message_once(self.client, person, tag, since=since, **rendered.as_kwargs(), **options.kwargs())
        if posted is not None:
            remember_step(self.domain, incident_id, kind, posted.channel, posted.ts)

    def tell_sync_failed(self, message: OutboxMessage) -> None:
        """Tell the incident channel, mentioning the commander, that an action's Jira sync gave up; once per
        failure (the outbox message is the failure's identity)."""
        with self.domain.unit() as ctx:
            action = ctx.session.get(Action, message.payload.get("action_id"))
            if action is None:
                return
            incident = action.incident
            kind = f"sync-failed:{message.id}"
            if find_posting(ctx, incident.id, kind) is not None:
                return
            channel = incident.slack_channel_id
            rendered = messages.sync_failed(action, incident.commander, str(message.payload.get("reason", "")))
            options = PostOptions(incident.tier.is_restricted)
            incident_id, tag = incident.id, Tag(incident.ref, kind)
        if channel is None:
            raise RetryLater("the incident channel is not created yet", after=CHANNEL_WAIT_S)
        since = retry_window(message)
        posted = post_once(self.client, channel, tag, since=since, **rendered.as_kwargs(), **options.kwargs())
        remember_step(self.domain, incident_id, kind, channel, posted.ts)


def _invited_by_email(entry: TimelineEntry) -> list[str]:
    """The e-mail addresses a paging entry asks to invite (who the paging service says is on call)."""
    if entry.kind is not TimelineKind.PAGE:
        return []
    keys = entry.data.get("invite") or []
    return [k.removeprefix("email:") for k in keys if isinstance(k, str) and k.startswith("email:")]


def _newcomer(entry: TimelineEntry) -> str | None:
    if entry.kind not in (TimelineKind.ROLE, TimelineKind.HANDOFF):
        return None
    person = entry.data.get("person") or entry.data.get("to")
    return person if isinstance(person, str) and is_directory_id(person) else None
