"""``/incident review``: the review form, its preview, and the buttons that submit and publish it.

Saving the form answers with the preview (the summary as the channel will see it) in the same modal; the
domain's refusals land beside the field at fault. The buttons ack first, then replace the modal with the
outcome: the next step's preview, or the refusal above the preview. When the publish gate refuses a submission,
the form comes back instead, each finding listed under its field and offered in "Not personal data" checkboxes;
saving it marks what was ticked (:func:`~incidents.reviews.mark_not_personal`). Publishing only queues the
publication; the outbox handler (``bot.review_port``) posts the summaries and uploads the pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.modals import done_modal
from bot.context import Vigil, received_at
from bot.ids import ActionId, ViewId
from bot.listeners.common import UNEXPECTED, after_ack
from bot.review_blocks import FORM_FIELDS, form_fields, form_not_personal, review_form, review_preview
from bot.review_port import queue_bookmark
from incidents.access import Who
from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.models import Incident
from incidents.queries import incident_to_show
from incidents.reviews import (
    Audience,
    Review,
    ReviewStatus,
    gate_findings,
    get_or_start_review,
    mark_not_personal,
    publish_review,
    review_document,
    submit_for_review,
    update_review,
)
from incidents.reviews.gate import PersonalDataFound, digest

log = logging.getLogger(__name__)

FALLBACK_FIELD = "executive_summary"
"""Where an error that names no field of the form is shown."""


def review_modal(ctx: Ctx, vigil: Vigil, incident: Incident, user: str) -> dict[str, Any]:
    """The form for a review being written (started now if need be); the read-only preview once published."""
    review = get_or_start_review(ctx, incident.ref, actor=user)
    queue_bookmark(ctx, incident, vigil.settings)
    if review.status is ReviewStatus.PUBLISHED:
        return _preview(ctx, incident.ref, user, notice="This review is published and can no longer be edited.")
    return review_form(incident.ref, review)


def register(app: App, vigil: Vigil) -> None:
    @app.view(ViewId.REVIEW)
    def review_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user, ref = body["user"]["id"], view.get("private_metadata") or ""
        try:
            changes, ticked = form_fields(view["state"]["values"]), form_not_personal(view["state"]["values"])

            def save(ctx: Ctx) -> dict[str, Any]:
                ctx.lock_incident(ref=ref)
                review = update_review(ctx, ref, changes, actor=user)
                if ticked:  # what was rewritten in the same save is no longer a finding, so there is nothing to mark
                    texts = [f.text for f in gate_findings(ctx, review) if digest(f.text) in ticked]
                    mark_not_personal(ctx, ref, texts, actor=user)
                return _preview(ctx, ref, user, notice="Saved. This is how the summary will read in the channel.")

            preview = vigil.domain.run(save, received=received_at(context))
        except VigilError as exc:
            field = exc.field if exc.field in FORM_FIELDS else FALLBACK_FIELD
            ack(response_action="errors", errors={field: exc.message})
            return
        except Exception:
            log.exception("saving the review of %s failed", ref)
            ack(response_action="errors", errors={FALLBACK_FIELD: UNEXPECTED})
            return
        ack(response_action="update", view=preview)

    def edit(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        user, ref = body["user"]["id"], str(action.get("value") or "")
        modal = _outcome(
            vigil,
            ref,
            user,
            lambda ctx: review_modal(ctx, vigil, incident_to_show(ctx, ref), user),
            received_at(context),
        )
        _show(client, body, ref, modal)

    app.action(ActionId.REVIEW_EDIT)(**after_ack(edit))

    def on_step(action_id: ActionId, step: Callable[..., Review], done: str) -> None:
        def clicked(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
            user, ref = body["user"]["id"], str(action.get("value") or "")

            def run(ctx: Ctx) -> dict[str, Any]:
                ctx.lock_incident(ref=ref)
                step(ctx, ref, actor=user)
                return _preview(ctx, ref, user, notice=done)

            _show(client, body, ref, _outcome(vigil, ref, user, run, received_at(context)))

        app.action(action_id)(**after_ack(clicked))

    leadership = " and the leadership channel" if vigil.settings.leadership_channel else ""
    on_step(ActionId.REVIEW_SUBMIT, submit_for_review, "Submitted for review. Publish it once it is agreed.")
    on_step(
        ActionId.REVIEW_PUBLISH,
        publish_review,
        f"Published. I'm posting the summary and the full review to the incident channel{leadership}.",
    )


def _show(client: WebClient, body: dict[str, Any], ref: str, view: dict[str, Any]) -> None:
    try:
        client.views_update(view_id=body["view"]["id"], view=view)
    except Exception:
        log.exception("could not update the review modal of %s", ref)


def _preview(ctx: Ctx, ref: str, user: str, *, notice: str) -> dict[str, Any]:
    """The team version as ``user`` may read it: sensitive entries only for the incident's members."""
    cleared = get_or_start_review(ctx, ref, actor=Who.person(user)).leadership_cleared
    document = review_document(ctx, ref, actor=Who.person(user), audience=Audience.TEAM)
    return review_preview(document, notice=notice, cleared=cleared)


def _outcome(
    vigil: Vigil, ref: str, user: str, run: Callable[[Ctx], dict[str, Any]], received: datetime | None
) -> dict[str, Any]:
    """The modal after a button: ``run``'s preview (as of ``received``, the click); the form with the findings
    when the publish gate refused; or the refusal shown above the unchanged preview."""
    try:
        return vigil.domain.run(run, received=received)
    except PersonalDataFound as exc:
        try:
            with vigil.domain.unit() as ctx:
                return review_form(ref, get_or_start_review(ctx, ref, actor=user), findings=exc.findings)
        except Exception:
            log.exception("could not show the findings of the review of %s", ref)
            refusal = f"⚠️ {exc.message}"
    except VigilError as exc:
        refusal = f"⚠️ {exc.message}"
    except Exception:
        log.exception("review step on %s failed", ref)
        refusal = UNEXPECTED
    try:
        with vigil.domain.unit() as ctx:
            return _preview(ctx, ref, user, notice=refusal)
    except Exception:
        return done_modal(f"Review {ref}", refusal)
