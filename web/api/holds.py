"""``/api/v1/incidents/{ref}/holds``: legal holds through the API, for the key that declared the incident. A hold
refuses erasure (``…/parties/{party}/erase`` answers 422 naming it) and suspends retention's purge until released."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from incidents.apikeys.service import READ, WRITE
from incidents.context import Ctx
from incidents.models import Incident
from incidents.record import holds
from incidents.record.holds import MATTER_MAX
from incidents.record.models import LegalHold
from web.api import bodies
from web.api.admission import ApiRoute
from web.api.dependencies import Caller, IntakeDep
from web.api.operations import IdempotencyKey, operation
from web.api.schemas import text

Ref = Annotated[str, Path(max_length=20, description="The incident reference, e.g. INC-2026-0042.")]

router = APIRouter(prefix=bodies.PREFIX, route_class=ApiRoute, tags=["holds"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HoldRequest(_Body):
    matter: Annotated[str, text(MATTER_MAX, required=True, description="The legal matter, e.g. Doe v. Platform.")]
    reason: Annotated[str, text(4000, required=True, description="Why the incident is held.")]


class ReleaseRequest(_Body):
    matter: Annotated[str | None, text(MATTER_MAX, description="Which hold; may be left out when there is one.")] = None


class HoldView(BaseModel):
    matter: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_by: str | None = None
    released_at: datetime | None = None


class HoldList(BaseModel):
    items: list[HoldView] = Field(description="The holds in place, oldest first (or those just released).")


def _view(hold: LegalHold) -> HoldView:
    return HoldView(
        matter=hold.matter,
        reason=hold.reason,
        placed_by=hold.placed_by,
        placed_at=hold.placed_at,
        released_by=hold.released_by,
        released_at=hold.released_at,
    )


@router.get(
    "/incidents/{ref}/holds",
    response_model=HoldList,
    operation_id="list_holds",
    **operation(READ, write=False, by_ref=True),
)
def list_holds(request: Request, ref: Ref, intake: IntakeDep, principal: Caller) -> JSONResponse:
    """The incident's legal holds in place."""

    def work(ctx: Ctx) -> tuple[HoldList, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        return HoldList(items=[_view(h) for h in holds.active_holds(ctx.session, incident.id)]), incident

    return intake.calls.read(request, work)


@router.post(
    "/incidents/{ref}/holds",
    status_code=201,
    response_model=HoldView,
    operation_id="place_hold",
    **operation(WRITE, write=True, by_ref=True),
)
def place_hold(
    request: Request,
    ref: Ref,
    body: HoldRequest,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Place a legal hold for a matter: until it is released nothing of the incident is erased or purged."""

    def work(ctx: Ctx) -> tuple[HoldView, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        who = bodies.caller(principal)
        hold = holds.place_hold(ctx, incident.ref, actor=who, matter=body.matter, reason=body.reason)
        return _view(hold), incident

    return intake.calls.write(request, body, idempotency_key, work)


@router.post(
    "/incidents/{ref}/holds/release",
    status_code=201,
    response_model=HoldList,
    operation_id="release_hold",
    **operation(WRITE, write=True, by_ref=True),
)
def release_hold(
    request: Request,
    ref: Ref,
    body: ReleaseRequest,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Release the hold for ``matter`` (the only one when left out); erasure and purge may run again once no hold
    is left."""

    def work(ctx: Ctx) -> tuple[HoldList, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        released = holds.release_hold(ctx, incident.ref, actor=bodies.caller(principal), matter=body.matter)
        return HoldList(items=[_view(h) for h in released]), incident

    return intake.calls.write(request, body, idempotency_key, work)
