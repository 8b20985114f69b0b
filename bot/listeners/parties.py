"""The add-a-party form (``/incident party``). Its refusals (no identifier at all, not a member) land beside the
field at fault; once added, the modal says which token the party goes by."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.blocks.modals import Origin, done_modal
from bot.blocks.text import md
from bot.context import Vigil, lock_incident
from bot.forms import field_errors, party_form
from bot.ids import Field, ViewId
from bot.listeners.common import UNEXPECTED
from incidents import parties
from incidents.context import Ctx
from incidents.errors import VigilError

log = logging.getLogger(__name__)


def register(app: App, vigil: Vigil) -> None:
    @app.view(ViewId.PARTY)
    def party_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        ref = Origin.load(view.get("private_metadata")).ref
        try:
            form = party_form(view)
            if ref is None:
                raise VigilError("This form lost track of its incident; run `/incident party` again.")
            incident_ref = ref

            def add(ctx: Ctx) -> str:
                lock_incident(ctx, ref=incident_ref)
                added = parties.add_party(
                    ctx,
                    incident_ref,
                    actor=user,
                    role=form.role,
                    name=form.name,
                    handle=form.handle,
                    account_id=form.account_id,
                    contact=form.contact,
                )
                return added.token

            token = vigil.run(add)
        except VigilError as exc:
            ack(response_action="errors", errors=field_errors(exc, Field.PARTY_NAME))
            return
        except Exception:
            log.exception("adding a party failed")
            ack(response_action="errors", errors={Field.PARTY_NAME: UNEXPECTED})
            return
        text = md("Added to {} as *{}*. `/incident parties` lists them.", incident_ref, token)
        ack(response_action="update", view=done_modal("Party added", text))
