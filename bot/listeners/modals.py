"""Submitted modals: declare and status update. Bad input comes back as errors beside the fields at fault;
the domain's own refusals (a title with a phone number, a status it cannot move to) land there too."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.blocks.modals import Origin, done_modal
from bot.context import Vigil, lock_incident
from bot.forms import declare_form, field_errors, update_form
from bot.ids import Field, ViewId
from bot.listeners.common import UNEXPECTED
from incidents import lifecycle, timeline
from incidents.context import Ctx
from incidents.errors import VigilError

log = logging.getLogger(__name__)


def register(app: App, vigil: Vigil) -> None:
    @app.view(ViewId.DECLARE)
    def declare_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        origin = Origin.load(view.get("private_metadata"))
        try:
            form = declare_form(view)
            with vigil.unit() as ctx:
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
                )
                ref, tier = incident.ref, incident.tier
        except VigilError as exc:
            ack(response_action="errors", errors=field_errors(exc, Field.TITLE))
            return
        except Exception:
            log.exception("declare failed")
            ack(response_action="errors", errors={Field.TITLE: UNEXPECTED})
            return
        privacy = " (private: restricted)" if tier.is_restricted else ""
        text = (
            f":white_check_mark: *{ref}* is declared. I'm creating its channel{privacy} and adding you and the "
            "responders you picked; the incident card will be pinned there."
        )
        ack(response_action="update", view=done_modal("Incident declared", text))

    @app.view(ViewId.UPDATE)
    def update_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        origin = Origin.load(view.get("private_metadata"))
        try:
            form = update_form(view)
            if origin.ref is None:
                raise VigilError("This form lost track of its incident; run `/incident update` again.")
            ref = origin.ref

            def post(ctx: Ctx) -> None:
                lock_incident(ctx, ref=ref)
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

            vigil.run(post)
        except VigilError as exc:
            ack(response_action="errors", errors=field_errors(exc, Field.SUMMARY))
            return
        except Exception:
            log.exception("update failed")
            ack(response_action="errors", errors={Field.SUMMARY: UNEXPECTED})
            return
        ack()
