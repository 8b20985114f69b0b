"""The add-a-party form (``/incident party``). Its refusals (no identifier at all, not a member) land beside the
field at fault; once added, the modal says which token the party goes by."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks.modals import Origin, done_modal
from bot.blocks.text import md
from bot.context import Vigil, received_at
from bot.forms import party_form
from bot.ids import Field, ViewId
from bot.listeners.common import errors_beside_fields
from incidents.access import Who
from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.parties import service as parties


def register(app: App, vigil: Vigil) -> None:
    @app.view(ViewId.PARTY)
    def party_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user = body["user"]["id"]
        ref = Origin.load(view.get("private_metadata")).ref
        with errors_beside_fields(ack, Field.PARTY_NAME, "adding a party"):
            form = party_form(view)
            if ref is None:
                raise VigilError("This form lost track of its incident; run `/incident party` again.")
            incident_ref = ref

            def add(ctx: Ctx) -> str:
                ctx.lock_incident(ref=incident_ref)
                added = parties.add_party(
                    ctx,
                    incident_ref,
                    actor=Who.person(user),
                    role=form.role,
                    name=form.name,
                    handle=form.handle,
                    account_id=form.account_id,
                    contact=form.contact,
                )
                return added.token

            token = vigil.domain.run(add, received=received_at(context))
        if ack.response is not None:
            return
        text = md("Added to {} as *{}*. `/incident parties` lists them.", incident_ref, token)
        ack(response_action="update", view=done_modal("Party added", text))
