"""The "Draft filing" button on a clock's reminders: the clock's packet, filled from the incident, sent to the person
who clicked as an ephemeral message, when they may read it (a restricted incident's: its members only)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext, Respond

from bot.blocks.filings import clicked, filing_packet
from bot.context import Vigil, received_at
from bot.ids import ActionId
from bot.listeners.common import after_ack, reply_on_error
from incidents.access import Who
from incidents.context import Ctx
from incidents.filings.service import draft


def register(app: App, vigil: Vigil) -> None:
    def draft_filing(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        who = Who.person(body["user"]["id"])

        def drafted(ctx: Ctx) -> dict[str, Any]:
            ref, clock = clicked(action["value"])
            return filing_packet(draft(ctx, ref, clock, actor=who))

        with reply_on_error(respond=respond):
            packet = vigil.domain.run(drafted, received=received_at(context))
            respond(response_type="ephemeral", replace_original=False, **packet)

    app.action(ActionId.DRAFT_FILING)(**after_ack(draft_filing))
