"""Buttons: accepting or declining a hand-off of command. A button's ack carries nothing the person sees, so
it comes first; the outcome (or the refusal) replaces the prompt or arrives as an ephemeral message."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext, Respond

from bot.blocks import messages
from bot.context import Vigil, received_at
from bot.ids import ActionId
from bot.listeners.common import after_ack, reply_on_error
from incidents import roles


def register(app: App, vigil: Vigil) -> None:
    def accept(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        with reply_on_error(respond=respond):
            ref = vigil.domain.run(
                lambda ctx: roles.accept_handoff(ctx, int(action["value"]), actor=body["user"]["id"]).ref,
                received=received_at(context),
            )
            text = f":white_check_mark: You are now the commander of {ref}."
            respond(replace_original=True, **messages.handoff_settled(text).as_kwargs())

    def decline(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        with reply_on_error(respond=respond):
            ref = vigil.domain.run(
                lambda ctx: roles.decline_handoff(ctx, int(action["value"]), actor=body["user"]["id"]).incident.ref,
                received=received_at(context),
            )
            text = f"You declined command of {ref}; the current commander stays."
            respond(replace_original=True, **messages.handoff_settled(text).as_kwargs())

    app.action(ActionId.HANDOFF_ACCEPT)(**after_ack(accept))
    app.action(ActionId.HANDOFF_DECLINE)(**after_ack(decline))
    app.action(ActionId.WELLBEING_RESOURCES)(lambda ack: ack())  # Slack has opened the link; nothing to record
