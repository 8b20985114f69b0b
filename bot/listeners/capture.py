"""Recording Slack messages on an incident's timeline (reaction or shortcut), shared by both listeners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from bot.context import Vigil
from bot.slack_text import from_slack, mentioned_ids
from incidents import timeline
from incidents.context import Ctx
from incidents.inbound import first_time
from incidents.people import people_by_key
from incidents.queries import find_by_channel


@dataclass(frozen=True)
class Captured:
    ref: str
    added: bool


def external_id(channel: str, ts: str) -> str:
    return f"slack:{channel}:{ts}"


def incident_ref(vigil: Vigil, channel: str) -> str | None:
    with vigil.domain.unit() as ctx:
        incident = find_by_channel(ctx, channel)
        return incident.ref if incident else None


def fetch_message(client: WebClient, channel: str, ts: str) -> dict[str, Any] | None:
    response = client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
    found = [m for m in response.get("messages") or [] if m.get("ts") == ts]
    return found[0] if found else None


def capture(
    vigil: Vigil,
    client: WebClient,
    *,
    ref: str,
    channel: str,
    message: dict[str, Any],
    actor: str,
    event_id: str | None = None,
    still_wanted: Callable[[], bool] | None = None,
) -> Captured:
    """Put ``message`` on ``ref``'s timeline with its permalink. An event seen before (Slack's retry, same
    event id) or a message captured before changes nothing.

    ``still_wanted`` is asked under the incident's lock, after the slow Web API calls: a reaction removed in
    the meantime must not be undone by this late capture.
    """
    ts, raw = str(message["ts"]), str(message.get("text") or "")
    permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")

    def work(ctx: Ctx) -> Captured:
        ctx.lock_incident(ref=ref)
        if event_id is not None and not first_time(ctx, "slack", event_id):
            return Captured(ref, added=False)
        if still_wanted is not None and not still_wanted():
            return Captured(ref, added=False)
        said = from_slack(raw, known_names(ctx, raw))
        entry = timeline.capture_message(
            ctx,
            ref,
            actor=actor,
            author=str(message.get("user") or message.get("bot_id") or "unknown"),
            text=said.text,
            at=datetime.fromtimestamp(float(ts), UTC),
            external_id=external_id(channel, ts),
            permalink=permalink,
            mentions=said.mentions,
        )
        return Captured(ref, added=entry is not None)

    return vigil.domain.run(work)


def known_names(ctx: Ctx, slack_text: str) -> dict[str, str]:
    """Names Vigil has learnt for the people ``slack_text`` mentions (message text carries ids only)."""
    found = people_by_key(ctx, mentioned_ids(slack_text))
    return {key: person.display_name for key, person in found.items() if person.display_name}


def uncapture(
    vigil: Vigil, *, ref: str, channel: str, ts: str, actor: str, event_id: str, still_wanted: Callable[[], bool]
) -> bool:
    """Take the message off the timeline unless ``still_wanted`` (asked under the incident's lock, so that
    concurrent reaction events settle on Slack's final state whatever order they run in)."""

    def work(ctx: Ctx) -> bool:
        ctx.lock_incident(ref=ref)
        if not first_time(ctx, "slack", event_id) or still_wanted():
            return False
        return timeline.remove_captured(ctx, ref, actor=actor, external_id=external_id(channel, ts))

    return vigil.domain.run(work)
