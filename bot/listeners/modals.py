"""Submitted modals: declare, status update and resolve. Bad input comes back as errors beside the fields at fault;
the domain's own refusals (a title with a phone number, a status it cannot move to) land there too."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks.modals import Origin, done_modal
from bot.blocks.text import md
from bot.context import Vigil, received_at
from bot.forms import declare_form, resolve_note, update_form
from bot.ids import Field, ViewId
from bot.listeners.common import errors_beside_fields
from incidents import lifecycle, timeline
from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.left_open import WorkLeftOpen


def register(app: App, vigil: Vigil) -> None:
    @app.view(ViewId.DECLARE)
    def declare_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user = body["user"]["id"]
        origin = Origin.load(view.get("private_metadata"))
        with errors_beside_fields(ack, Field.TITLE, "declare"):
            form = declare_form(view)
            with vigil.domain.unit(received_at(context)) as ctx:
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
                ctx.lock_incident(ref=ref)
                timeline.post_update(
                    ctx,
                    ref,
                    actor=user,
                    summary=form.summary,
                    status=form.status,
                    impact=form.impact,
                    next_steps=form.next_steps,
                    next_update_in=form.next_update_in,
                    confirmed=False,
                )

            try:
                vigil.domain.run(post, received=received_at(context))
            except WorkLeftOpen as refused:
                raise VigilError(
                    f"{refused.ref} still has {refused.left.summary()} open: post this update without resolving, "
                    "then `/incident resolve` lists them and resolves anyway.",
                    field=Field.STATUS,
                ) from None
        if ack.response is None:
            ack()

    @app.view(ViewId.RESOLVE)
    def resolve_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        """The person saw what resolving leaves open and resolves anyway."""
        user = body["user"]["id"]
        ref = Origin.load(view.get("private_metadata")).ref
        with errors_beside_fields(ack, Field.NOTE, "resolve"):
            if ref is None:
                raise VigilError("This form lost track of its incident; run `/incident resolve` again.")
            note = resolve_note(view)

            def resolve(ctx: Ctx) -> None:
                ctx.lock_incident(ref=ref)
                lifecycle.resolve(ctx, ref, actor=user, note=note, confirmed=True)

            vigil.domain.run(resolve, received=received_at(context))
        if ack.response is None:
            text = md(
                ":white_check_mark: *{}* is resolved, and its timeline records what was left open. Close it with "
                "`/incident close` once the follow-up is done.",
                ref,
            )
            ack(response_action="update", view=done_modal("Incident resolved", text))
