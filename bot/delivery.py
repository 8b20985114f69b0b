"""What outbox handlers share: turning Slack failures into retries, reading incidents, recording postings.

Handlers read the database in one short unit, call Slack outside any transaction, then record each result in
its own unit, so a crash between two calls loses at most the call in flight and a retry skips what is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ids import CARD_EVENT, PostingKind
from incidents.context import Ctx, Domain
from incidents.dispatcher import RetryLater
from incidents.effects import changed
from incidents.errors import NotFound
from incidents.models import Incident
from incidents.observability import annotate
from incidents.outbox import OutboxMessage
from incidents.postings import find_posting, record_posting
from incidents.queries import incident_to_change

log = logging.getLogger(__name__)

T = TypeVar("T")

UNREACHABLE = frozenset({"user_not_found", "user_disabled", "user_not_visible", "cannot_dm_bot", "channel_not_found"})
"""What Slack answers a direct message to someone it cannot deliver to: no such user (a DM to an unknown user id is
``channel_not_found``), deactivated, hidden, or a bot. No retry changes these answers."""


def error_code(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


def retry_after(exc: SlackApiError) -> float | None:
    """Slack's Retry-After (seconds) on a 429, else None."""
    if exc.response is None or exc.response.status_code != 429:
        return None
    headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else 1.0
    except ValueError:
        return 1.0


@contextmanager
def slack_call(what: str) -> Iterator[None]:
    """Rate limits become :class:`RetryLater` with Slack's Retry-After, which do not use up the retry budget (Slack
    said when to come back; under a burst a step can be told to wait more often than the budget allows); other
    errors propagate (the dispatcher retries them with backoff and gives up after its budget)."""
    try:
        yield
    except SlackApiError as exc:
        after = retry_after(exc)
        if after is not None:
            raise RetryLater(f"{what}: rate limited", after=after, counts=False) from exc
        raise


def invite(client: WebClient, channel: str, people: Sequence[str], *, ref: str) -> None:
    """Add people to a channel. Slack's answers about particular people are final, so they count as done: someone
    already in the channel (say, after an invite whose answer was lost) is what was wanted, and anyone Slack refuses
    is logged. Only a failure of the call itself (a 429, an outage) is raised, to be retried."""
    try:
        with slack_call("conversations.invite"):
            response = client.conversations_invite(channel=channel, users=",".join(people), force=True)
        refused = response.get("errors") or []
    except SlackApiError as exc:
        refused = (exc.response.get("errors") if exc.response is not None else None) or []
        if not refused and error_code(exc) != "already_in_channel":
            raise
    for problem in refused:
        if problem.get("error") != "already_in_channel":
            log.warning("%s: could not invite %s: %s", ref, problem.get("user"), problem.get("error"))


def direct_message_once(
    client: WebClient, person: str, tag: Tag, *, since: float | None, **message: Any
) -> Posted | None:
    """Post ``message`` to ``person``'s DM with the bot, once per ``tag`` (see :func:`post_once`); None when Slack
    cannot reach them (see :func:`reaching`)."""

    def send() -> Posted:
        channel = person
        if since is not None:  # history is read by conversation id
            with slack_call("conversations.open"):
                channel = str(client.conversations_open(users=person)["channel"]["id"])
        return post_once(client, channel, tag, since=since, **message)

    return reaching(person, send)


def reaching(person: str, send: Callable[[], T]) -> T | None:
    """``send()``'s result; None, after one log line, when Slack says it cannot reach ``person``
    (:data:`UNREACHABLE`): the message is given up rather than retried. Other failures are raised."""
    try:
        return send()
    except SlackApiError as exc:
        if error_code(exc) not in UNREACHABLE:
            raise
        log.warning("gave up a direct message to %s: Slack answered %s", person, error_code(exc))
        return None


def incident_by_id(ctx: Ctx, incident_id: int | None) -> Incident:
    """The incident an outbox row is about, with its working set loaded; history loads only if a renderer asks."""
    incident = ctx.session.get(Incident, incident_id) if incident_id is not None else None
    if incident is None:
        raise NotFound(f"incident #{incident_id} no longer exists")
    annotate(incident=incident.ref)
    return incident_to_change(ctx, incident.ref)


def refresh_if_newer(ctx: Ctx, incident_id: int, shown: int) -> None:
    """Queue another refresh when the incident moved past the version a post shows. Two refreshes of one
    incident can run at once on two replicas and land in either order, so each checks after its edit has landed:
    the one that landed last either showed the latest version or queues one more. Takes the incident's lock, so a
    change still committing is waited for (see :func:`incidents.effects.changed`)."""
    ctx.lock_incident(incident_id=incident_id)
    incident = ctx.session.get_one(Incident, incident_id)
    if incident.version != shown:
        changed(ctx, incident)


def card_shown(ctx: Ctx, incident_id: int, channel: str) -> str:
    """The record :func:`remember_card` keeps of what the incident's card shows ("" before the first)."""
    posting = find_posting(ctx, incident_id, PostingKind.CARD_AS, channel)
    return posting.external_id if posting is not None else ""


def shows(record: str, fingerprint: str) -> bool:
    """Whether the card's ``record`` (:func:`card_shown`) says Slack shows the card whose fingerprint this is."""
    return record.partition(":")[2] == fingerprint


def remember_card(ctx: Ctx, incident_id: int, channel: str, fingerprint: str, *, read: str) -> None:
    """Once an edit of the card to the card whose ``fingerprint`` this is has landed, remember that Slack shows it,
    so that a refresh that would send the same card again does not: ``chat.update`` is Tier 3 (about 50 calls a
    minute for the whole workspace) and most changes, notes and actions among them, leave the card as it is.
    Spending the budget on those had every card's refresh told to wait out the minute.

    Edits of one card can land in either order, so the card is remembered only when no edit that landed after this
    one can show something else: nobody wrote the record since the refresh ``read`` it, or it already says this
    card. Otherwise it is voided, and the next refresh sends the card again. Every call writes the record and counts
    itself into it, so an edit whose record was written since it read it never takes the record for its own. Call
    it under the incident's lock (:func:`refresh_if_newer` takes it)."""
    posting = find_posting(ctx, incident_id, PostingKind.CARD_AS, channel)
    record = posting.external_id if posting is not None else ""
    writes = int(record.partition(":")[0] or 0) + 1
    value = f"{writes}:{fingerprint if record == read or shows(record, fingerprint) else ''}"
    if posting is None:
        record_posting(ctx, incident_id, PostingKind.CARD_AS, channel, value)
    else:
        posting.external_id = value


def remember_step(domain: Domain, incident_id: int, kind: str, channel: str, external_id: str) -> None:
    """Remember that a step is done (idempotent: a second record of the same step is ignored)."""
    with domain.unit() as ctx:
        posting = find_posting(ctx, incident_id, kind, channel)
        if posting is None:
            record_posting(ctx, incident_id, kind, channel, external_id)
        else:
            posting.external_id = external_id


def metadata(ref: str | None, kind: str) -> dict[str, Any]:
    """Tags Vigil's own posts so a retry after a crash can find a post whose ts was never recorded."""
    about = {"ref": ref} if ref is not None else {}
    return {"event_type": CARD_EVENT, "event_payload": {**about, "kind": kind}}


@dataclass(frozen=True)
class Tag:
    """Which of Vigil's posts a message is: the incident's ref (None for a post about no incident, such as a weekly
    digest) and what the post is for (its posting kind)."""

    ref: str | None
    kind: str


@dataclass(frozen=True)
class Posted:
    """Where a post is. ``found``: an earlier try's post, found by its tag, showing what that try rendered."""

    channel: str
    ts: str
    found: bool


REDELIVERY_LOOKBACK_S = 60.0
"""How far before an outbox row was queued a retry looks for its post (Slack's clock may run behind ours)."""


def retry_window(message: OutboxMessage) -> float | None:
    """For a row handed out before (a try failed, or its holder died, perhaps after posting): the Slack time from
    which to look for what that try posted. None for a first delivery, which has nothing to look for."""
    if not message.redelivery:
        return None
    return message.created_at.timestamp() - REDELIVERY_LOOKBACK_S


def post_once(client: WebClient, channel: str, tag: Tag, *, since: float | None, **message: Any) -> Posted:
    """Post ``message`` tagged with ``tag``; with ``since`` (a retry), first look for a post with that tag from
    then on, which an earlier try made before its answer was lost, and return it instead of posting twice.

    Never sent twice by the transport either (see :mod:`bot.slack_retries`): a lost answer raises, and the
    outbox's retry comes back here with ``since``."""
    if since is not None:
        with slack_call("conversations.history"):
            ts = find_own_post(client, channel, tag.ref, tag.kind, since)
        if ts is not None:
            return Posted(channel, ts, found=True)
    with slack_call("chat.postMessage"):
        response = client.chat_postMessage(channel=channel, metadata=metadata(tag.ref, tag.kind), **message)
    return Posted(str(response["channel"]), str(response["ts"]), found=False)


def find_own_post(client: WebClient, channel: str, ref: str | None, kind: str, oldest: float) -> str | None:
    """The ts of a post Vigil made for ``ref`` in ``channel`` (tagged by :func:`metadata`), if any."""
    response = client.conversations_history(channel=channel, oldest=str(oldest), limit=200, include_all_metadata=True)
    for message in response.get("messages") or []:
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if meta.get("event_type") == CARD_EVENT and payload.get("ref") == ref and payload.get("kind") == kind:
            return str(message["ts"])
    return None


@dataclass(frozen=True)
class PostOptions:
    """Restricted incidents never unfurl links or media: a preview could show abusive content to responders."""

    restricted: bool

    def kwargs(self) -> dict[str, Any]:
        return {"unfurl_links": False, "unfurl_media": False} if self.restricted else {}
