"""The triage post's buttons: Declare declares at once (the clicker is told the reference, in private); Attach…
and Dismiss… open small forms whose refusals land beside the input at fault. The post itself is brought up to
date by the outbox (:mod:`bot.triage`), which every decision queues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.modals import done_modal
from bot.blocks.text import Block, md
from bot.blocks.triage import attach_modal, dismiss_modal
from bot.context import Vigil, received_at
from bot.ids import ActionId, Field, ViewId
from bot.listeners.common import after_ack, errors_beside_fields, open_view, reply_on_error
from incidents.context import Ctx
from incidents.signals import triage
from incidents.signals.queries import GroupView, group_view


def register(app: App, vigil: Vigil) -> None:
    def declare(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        user = body["user"]["id"]
        with reply_on_error(respond=respond):
            ref = vigil.domain.run(
                lambda ctx: triage.declare_group(ctx, int(action["value"]), actor=user).ref,
                received=received_at(context),
            )
            text = md(":rotating_light: Declared *{}* from these signals; its channel is being set up.", ref)
            respond(text=text, response_type="ephemeral", replace_original=False)

    def form(builder: Callable[[GroupView], Block]) -> Callable[..., None]:
        def open_form(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
            with reply_on_error(respond=respond):
                with vigil.domain.unit() as ctx:
                    modal = builder(group_view(ctx, int(action["value"])))
                open_view(client, respond, body["trigger_id"], modal)

        open_form.__name__ = f"open_{builder.__name__}"
        return open_form

    def attach_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user, group_id = body["user"]["id"], int(view["private_metadata"])
        ref = (view["state"]["values"][Field.INCIDENT_REF][Field.INCIDENT_REF].get("value") or "").strip()
        with errors_beside_fields(ack, Field.INCIDENT_REF, "attaching signals"):

            def attach(ctx: Ctx) -> str:
                return triage.attach(ctx, group_id, ref, actor=user).ref

            attached = vigil.domain.run(attach, received=received_at(context))
        if ack.response is None:
            ack(response_action="update", view=done_modal("Signals attached", md("Attached to *{}*.", attached)))

    def dismiss_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user, group_id = body["user"]["id"], int(view["private_metadata"])
        reason = view["state"]["values"][Field.SKIP_REASON][Field.SKIP_REASON].get("value") or ""
        with errors_beside_fields(ack, Field.SKIP_REASON, "dismissing signals"):
            vigil.domain.run(
                lambda ctx: triage.dismiss(ctx, group_id, actor=user, reason=reason), received=received_at(context)
            )
        if ack.response is None:
            ack(response_action="update", view=done_modal("Signals dismissed", "Dismissed; the post says why."))

    app.action(ActionId.SIGNALS_DECLARE)(**after_ack(declare))
    app.action(ActionId.SIGNALS_ATTACH)(**after_ack(form(attach_modal)))
    app.action(ActionId.SIGNALS_DISMISS)(**after_ack(form(dismiss_modal)))
    app.view(ViewId.SIGNALS_ATTACH)(attach_submitted)
    app.view(ViewId.SIGNALS_DISMISS)(dismiss_submitted)
