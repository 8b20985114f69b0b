"""The open-a-referral form (``/incident refer``). Its refusals (an unknown kind, a due date in the past) land
beside the field at fault; once opened, the modal says the referral's number, which the API and the case tool
use to report back."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks.modals import Origin, done_modal
from bot.blocks.text import md
from bot.context import Vigil, received_at
from bot.forms import referral_form
from bot.ids import Field, ViewId
from bot.listeners.common import errors_beside_fields
from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.referrals import service as referrals


def register(app: App, vigil: Vigil) -> None:
    @app.view(ViewId.REFERRAL)
    def referral_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user = body["user"]["id"]
        ref = Origin.load(view.get("private_metadata")).ref
        with errors_beside_fields(ack, Field.REFERRAL_KIND, "opening a referral"):
            form = referral_form(view)
            if ref is None:
                raise VigilError("This form lost track of its incident; run `/incident refer` again.")
            incident_ref = ref

            def refer(ctx: Ctx) -> tuple[int, str, str]:
                ctx.lock_incident(ref=incident_ref)
                referral = referrals.open_referral(
                    ctx,
                    incident_ref,
                    actor=user,
                    kind=form.kind,
                    owner=form.owner,
                    due_date=form.due_date,
                    external_ref=form.external_ref,
                    note=form.note,
                )
                due = referral.due_date.isoformat() if referral.due_date else "no due date"
                return referral.id, referrals.kind_label(ctx.policy, referral.kind), due

            number, label, due = vigil.domain.run(refer, received=received_at(context))
        if ack.response is not None:
            return
        text = md(
            "Referral *#{}* ({}) opened on {}, due {}. `/incident referrals` lists them.",
            number,
            label,
            incident_ref,
            due,
        )
        ack(response_action="update", view=done_modal("Referral opened", text))
