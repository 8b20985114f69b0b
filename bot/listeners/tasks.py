"""Playbook step buttons (from ``/incident tasks``): Done closes the step and refreshes the list in place; Skip
opens a small form asking why, whose refusals land beside the reason."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.modals import done_modal
from bot.blocks.tasks import skip_modal, task_list
from bot.blocks.text import md
from bot.context import Vigil, received_at
from bot.ids import ActionId, Field, ViewId
from bot.listeners.common import after_ack, errors_beside_fields, open_view, reply_on_error
from incidents.context import Ctx
from incidents.tasks import service as tasks


def register(app: App, vigil: Vigil) -> None:
    def done(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        user = body["user"]["id"]

        def complete(ctx: Ctx) -> dict[str, Any]:
            task = tasks.complete_task(ctx, int(action["value"]), actor=user)
            return task_list(task.incident.ref, tasks.tasks_of(task.incident), ctx.now())

        with reply_on_error(respond=respond):
            listed = vigil.domain.run(complete, received=received_at(context))
            respond(replace_original=True, response_type="ephemeral", **listed)

    def skip(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        with reply_on_error(respond=respond):
            with vigil.domain.unit() as ctx:
                modal = skip_modal(tasks.get_task(ctx, int(action["value"])))
            open_view(client, respond, body["trigger_id"], modal)

    def skip_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user = body["user"]["id"]
        reason = view["state"]["values"][Field.SKIP_REASON][Field.SKIP_REASON].get("value") or ""
        with errors_beside_fields(ack, Field.SKIP_REASON, "skipping a step"):

            def skip_it(ctx: Ctx) -> tuple[str, str]:
                task = tasks.skip_task(ctx, int(view["private_metadata"]), actor=user, reason=reason)
                return task.incident.ref, task.text

            ref, text = vigil.domain.run(skip_it, received=received_at(context))
        if ack.response is None:
            done_text = md("Skipped on {}: *{}*. `/incident tasks` lists the rest.", ref, text)
            ack(response_action="update", view=done_modal("Step skipped", done_text))

    app.action(ActionId.TASK_DONE)(**after_ack(done))
    app.action(ActionId.TASK_SKIP)(**after_ack(skip))
    app.view(ViewId.TASK_SKIP)(skip_submitted)
