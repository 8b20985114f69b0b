"""Events: timeline capture by reaction, and the App Home tab.

Events are acknowledged before these run; the Web API calls they need (the message, its permalink,
views.publish) happen after the ack. Slack redelivers an event it thinks was lost (``X-Slack-Retry-Num``,
same ``event_id``); :func:`incidents.inbound.first_time` makes the second delivery a no-op.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import messages
from bot.blocks.triage import HOME_LIMIT, waiting_blocks
from bot.context import Vigil
from bot.listeners.capture import capture, fetch_message, incident_ref, uncapture
from bot.listeners.common import after_ack
from incidents.queries import IncidentFilter, list_incidents
from incidents.signals.queries import waiting

log = logging.getLogger(__name__)


def register(app: App, vigil: Vigil) -> None:
    emoji = vigil.settings.timeline_emoji.strip(":")

    def reaction_added(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != emoji or item.get("type") != "message":
            return
        channel, ts = item["channel"], item["ts"]
        ref = incident_ref(vigil, channel)
        if ref is None:
            return
        message = fetch_message(client, channel, ts)
        if message is None:
            log.info("reaction on a message Vigil cannot read (%s %s)", channel, ts)
            return
        capture(
            vigil,
            client,
            ref=ref,
            channel=channel,
            message=message,
            actor=event["user"],
            event_id=body.get("event_id"),
            still_wanted=lambda: _still_reacted(client, channel, ts, emoji),
        )

    def reaction_removed(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != emoji or item.get("type") != "message":
            return
        channel, ts = item["channel"], item["ts"]
        ref = incident_ref(vigil, channel)
        if ref is None:
            return
        uncapture(
            vigil,
            ref=ref,
            channel=channel,
            ts=ts,
            actor=event["user"],
            event_id=body["event_id"],
            still_wanted=lambda: _still_reacted(client, channel, ts, emoji),
        )

    @app.event("message")
    def message_posted() -> None:
        """Messages reach the timeline only when someone asks (reaction or shortcut); the rest are ignored."""

    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        triage_channel = vigil.settings.triage_channel
        triages = triage_channel is not None and _member(client, triage_channel, user)
        with vigil.domain.unit() as ctx:
            incidents = list_incidents(ctx, IncidentFilter(open_only=True, visible_to=user), limit=100)
            view = messages.home(incidents, ctx.policy, ctx.now())
            queue = waiting(ctx, limit=HOME_LIMIT + 1) if triages else None
        if queue is not None:
            view["blocks"] += waiting_blocks(queue, triage_channel)
        client.views_publish(user_id=user, view=view)

    app.event("reaction_added")(**after_ack(reaction_added))
    app.event("reaction_removed")(**after_ack(reaction_removed))
    app.event("app_home_opened")(**after_ack(home_opened))


def _member(client: WebClient, channel: str, user: str) -> bool:
    """Whether ``user`` is in the triage channel: the waiting queue (types, regions, counts of reports no one has
    decided about) is shown to the people who decide, as the channel is, not to the whole workspace."""
    cursor: str | None = None
    while True:
        try:
            page = client.conversations_members(channel=channel, limit=1000, cursor=cursor)
        except SlackApiError as exc:  # the bot is not in a private triage channel, say: show no queue
            log.warning("could not read the triage channel's members: %s", exc.response.get("error"))
            return False
        if user in (page.get("members") or []):
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return False


def _still_reacted(client: WebClient, channel: str, ts: str, emoji: str) -> bool:
    """Someone else may still have the emoji on the message; then it stays on the timeline."""
    message = client.reactions_get(channel=channel, timestamp=ts, full=True).get("message") or {}
    return any(r.get("name") == emoji and r.get("count", 0) > 0 for r in message.get("reactions") or [])
