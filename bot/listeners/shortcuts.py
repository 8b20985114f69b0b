"""Message shortcuts: declare an incident from a message (pre-filled, linked), and add a message to the
timeline of the incident whose channel it is in."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.blocks.modals import Origin, declare_modal
from bot.blocks.text import clip
from bot.context import Vigil
from bot.ids import ShortcutId
from bot.listeners.capture import capture, incident_ref, known_names
from bot.listeners.common import after_ack, open_view, reply_on_error
from bot.slack_text import from_slack
from incidents.guards import TITLE_MAX


def register(app: App, vigil: Vigil) -> None:
    def declare_from_message(shortcut: dict[str, Any], client: WebClient, respond: Respond) -> None:
        with reply_on_error(respond=respond):
            channel, message = shortcut["channel"]["id"], shortcut["message"]
            permalink = client.chat_getPermalink(channel=channel, message_ts=message["ts"]).get("permalink")
            raw = str(message.get("text") or "")
            with vigil.domain.unit() as ctx:
                text = from_slack(raw, known_names(ctx, raw)).text
            first_line = text.strip().splitlines()[0] if text.strip() else ""
            modal = declare_modal(
                vigil.domain.policy,
                Origin(channel=channel, source_url=permalink),
                title=clip(first_line, TITLE_MAX),
                summary=text,
            )
            open_view(client, respond, shortcut["trigger_id"], modal)

    def add_to_timeline(shortcut: dict[str, Any], client: WebClient, respond: Respond) -> None:
        with reply_on_error(respond=respond):
            channel, message = shortcut["channel"]["id"], shortcut["message"]
            ref = incident_ref(vigil, channel)
            if ref is None:
                respond(
                    text="*Add to timeline* works on messages in an incident's channel, and this is not one.",
                    response_type="ephemeral",
                )
                return
            result = capture(vigil, client, ref=ref, channel=channel, message=message, actor=shortcut["user"]["id"])
            said = "Added to" if result.added else "Already on"
            respond(text=f"{said} {ref}'s timeline.", response_type="ephemeral", replace_original=False)

    app.shortcut(ShortcutId.DECLARE_FROM_MESSAGE)(**after_ack(declare_from_message))
    app.shortcut(ShortcutId.ADD_TO_TIMELINE)(**after_ack(add_to_timeline))
