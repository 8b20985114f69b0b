"""Submitted modals: declare and status update. Bad input comes back as errors beside the fields at fault;
the domain's own refusals (a title with a phone number, a status it cannot move to) land there too."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks.modals import Origin, done_modal
from bot.context import Vigil, received_at
from bot.forms import declare_form, update_form
from bot.ids import Field, ViewId
from bot.listeners.common import errors_beside_fields
from incidents import lifecycle, timeline
from incidents.context import Ctx
from incidents.errors import VigilError


def register(app: App, vigil: Vigil) -> None:
    @app.view(ViewId.DECLARE)
    def declare_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user = body["user"]["id"]
        origin = Origin.load(view.get("private_metadata"))
        with errors_beside_fields(ack, Field.TITLE, "declare"):
            form = declare_form(view)
            with vigil.unit(received_at(context)) as ctx:
                incident = lifecycle.declare(
                    ctx,
                    actor=user,
                    title=form.title,
                    types=form.types,
                    severity=form.severity,
                    tier=form.tier,
                    summary=form.summary,
                    region=form.region,
                    invite=form.responders,
                    source_url=origin.source_url,
                    guidance=form.guidance,
                )
                ref, tier = incident.ref, incident.tier
        if ack.response is not None:
            return
        privacy = " (private: restricted)" if tier.is_restricted else ""
        text = (
            f":white_check_mark: *{ref}* is declared. I'm creating its channel{privacy} and adding you and the "
            "responders you picked; the incident card will be pinned there."
        )
        ack(response_action="update", view=done_modal("Incident declared", text))

    @app.view(ViewId.UPDATE)
    def update_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user = body["user"]["id"]
        origin = Origin.load(view.get("private_metadata"))
        with errors_beside_fields(ack, Field.SUMMARY, "update"):
            form = update_form(view)
            if origin.ref is None:
                raise VigilError("This form lost track of its incident; run `/incident update` again.")
            ref = origin.ref

            def post(ctx: Ctx) -> None:
                timeline.post_update(
                    ctx,
                    ref,
                    actor=user,
                    summary=form.summary,
                    status=form.status,
                    impact=form.impact,
                    next_steps=form.next_steps,
                    next_update_in=form.next_update_in,
                )

            vigil.run(post, received=received_at(context), lock=ref)
        if ack.response is None:
            ack()
