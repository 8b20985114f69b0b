"""The intake API's operations under ``/api/v1``: declare, add to the timeline, post updates, read, list.

Each operation is a thin call into the domain verbs inside one unit of work (see :mod:`web.api.calls`); what it
needs from the process comes through its dependencies (:mod:`web.api.dependencies`).
:data:`router` holds every operation of the API (these, :mod:`web.api.signals`' and :mod:`web.api.holds`'), at
their full paths, for :func:`web.api.app.build_api_router`; :func:`no_operation`, last, answers what no operation
does.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache, partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from incidents import lifecycle, timeline
from incidents.apikeys.service import READ, WRITE, Principal
from incidents.context import Ctx
from incidents.lifecycle import Declaration
from incidents.links import WebAddress, incident_page
from incidents.models import Incident
from incidents.parties import service as parties
from incidents.referrals import service as referrals
from incidents.reported_by import with_reporter
from incidents.tasks import service as tasks
from web.api import bodies
from web.api.admission import ApiRoute
from web.api.calls import REPLAYED_HEADER, Answer
from web.api.dependencies import Caller, IntakeDep
from web.api.errors import ApiProblem
from web.api.holds import router as holds_router
from web.api.openapi import document
from web.api.operations import IdempotencyKey, operation
from web.api.schemas import (
    AddedParty,
    DeclaredIncident,
    DeclareRequest,
    ErasureView,
    IncidentPage,
    IncidentView,
    Moment,
    NoBody,
    PartyList,
    PartyRequest,
    ReferralChange,
    ReferralList,
    ReferralRequest,
    ReferralView,
    Responder,
    SkipRequest,
    StatusFilter,
    TaskList,
    TaskView,
    TimelineEntryView,
    TimelineRequest,
    UpdateRequest,
    UpdateView,
)
from web.api.signals import router as signals_router

Ref = Annotated[str, Path(max_length=20, description="The incident reference, e.g. INC-2026-0042.")]
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The referral's number, e.g. 12.")]
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The step's number, as the task list gives it.")]
PartyRef = Annotated[str, Path(max_length=40, description="The party's number or token, e.g. 2 or witness-2.")]


_BY_REF = {"ref": "$response.body#/ref"}
_CREATED_HEADERS = {REPLAYED_HEADER: {"schema": {"type": "string"}, "description": "'true' on a replayed answer."}}


_DECLARE = operation(WRITE, write=True, by_ref=False)
_DECLARE["responses"][201] = {
    "description": "Declared; the Slack channel and invitations follow.",
    "headers": _CREATED_HEADERS,
    "links": {
        "GetIncident": {"operationId": "get_incident", "parameters": _BY_REF},
        "AddTimelineEntry": {"operationId": "add_timeline_entry", "parameters": _BY_REF},
        "PostUpdate": {"operationId": "post_update", "parameters": _BY_REF},
    },
}

incidents = APIRouter(prefix=bodies.PREFIX, route_class=ApiRoute, tags=["incidents"])


@incidents.post(
    "/incidents", status_code=201, response_model=DeclaredIncident, operation_id="declare_incident", **_DECLARE
)
async def declare_incident(
    request: Request, body: DeclareRequest, intake: IntakeDep, principal: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Declare an incident. Responders known to Vigil by e-mail are invited; others are passed to the bot
    as ``email:<address>`` to look up in Slack."""
    prepare = partial(_prepare_declaration, body, principal, intake.web)
    return await intake.calls.declare(request, body, idempotency_key, prepare)


def _prepare_declaration(
    body: DeclareRequest, principal: Principal, web: WebAddress | None, ctx: Ctx
) -> tuple[Declaration, Answer]:
    """Check the declaration and resolve its people, writing nothing (declares are written in batches)."""
    if not bodies.may_declare(principal, body.tier):
        raise ApiProblem(403, "This key may only declare standard-tier incidents.", field="tier")
    known = bodies.people_by_email(ctx, [*body.responders, *filter(None, [body.commander_email])])
    commander = known.get(body.commander_email.lower()) if body.commander_email else None
    if body.commander_email and commander is None:
        raise ApiProblem(
            422,
            f"No Vigil user has the e-mail {body.commander_email}; invite them as a responder and "
            "hand command over in Slack.",
            field="commander_email",
        )
    emails = dict.fromkeys(e.lower() for e in body.responders)
    responders = [Responder(email=e, person=known.get(e, f"email:{e}")) for e in emails]
    declaration = lifecycle.check(
        ctx,
        Declaration(
            actor=principal.actor,
            title=body.title,
            types=body.types,
            severity=body.severity,
            tier=body.tier,
            summary=body.summary,
            region=body.region,
            jurisdictions=body.jurisdictions,
            detection_source=body.detection_source,
            external_ref=body.external_ref,
            occurred_at=body.occurred_at,
            detected_at=body.detected_at,
            commander=commander,
            invite=[r.person for r in responders],
        ),
    )
    if not bodies.may_declare(principal, declaration.tier):
        raise ApiProblem(
            403,
            "These incident types make the incident restricted; this key may only declare standard ones.",
            field="types",
        )

    def answer(incident: Incident) -> DeclaredIncident:
        return DeclaredIncident(
            ref=incident.ref,
            url=incident_page(web, incident.ref),
            href=bodies.href(incident.ref),
            status=incident.status,
            severity=incident.severity,
            tier=incident.tier,
            responders=responders,
        )

    return declaration, answer


@incidents.post(
    "/incidents/{ref}/timeline",
    status_code=201,
    response_model=TimelineEntryView,
    operation_id="add_timeline_entry",
    **operation(WRITE, write=True, by_ref=True),
)
def add_timeline_entry(
    request: Request,
    ref: Ref,
    body: TimelineRequest,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add an entry to the incident's timeline."""

    def work(ctx: Ctx) -> tuple[TimelineEntryView, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        entry = timeline.add_note(
            ctx,
            incident.ref,
            actor=principal.actor,
            text=body.text,
            at=body.at,
            sensitive=body.sensitive,
            source_url=body.source_url,
            reported_by=body.reported_by,
        )
        view = TimelineEntryView(
            id=entry.id,
            at=entry.at,
            author=entry.author,
            text=with_reporter(entry.text, entry.data, named=True),  # the caller's own words, back to it
            sensitive=entry.sensitive,
            source_url=entry.source_url,
        )
        return view, incident

    return intake.calls.write(request, body, idempotency_key, work)


@incidents.post(
    "/incidents/{ref}/updates",
    status_code=201,
    response_model=UpdateView,
    operation_id="post_update",
    **operation(WRITE, write=True, by_ref=True),
)
def post_update(
    request: Request,
    ref: Ref,
    body: UpdateRequest,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Post a status update (optionally moving the incident's status)."""

    def work(ctx: Ctx) -> tuple[UpdateView, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        minutes = body.next_update_in_minutes
        update = timeline.post_update(
            ctx,
            incident.ref,
            actor=principal.actor,
            summary=body.summary,
            status=body.status,
            impact=body.impact,
            next_steps=body.next_steps,
            next_update_in=timedelta(minutes=minutes) if minutes else None,
            confirmed=body.confirm_open_work,
        )
        ctx.session.flush()
        view = UpdateView(
            id=update.id,
            at=update.at,
            status=update.status,
            summary=update.summary,
            impact=update.impact,
            next_steps=update.next_steps,
            next_update_due=update.next_update_due,
        )
        return view, incident

    return intake.calls.write(request, body, idempotency_key, work)


@incidents.get(
    "/incidents/{ref}",
    response_model=IncidentView,
    operation_id="get_incident",
    **operation(READ, write=False, by_ref=True),
)
def get_incident(request: Request, ref: Ref, intake: IntakeDep, principal: Caller) -> JSONResponse:
    """The incident's status, severity, current roles, clocks and actions."""

    def work(ctx: Ctx) -> tuple[IncidentView, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        return bodies.detail(incident, intake.web, ctx.now()), incident

    return intake.calls.read(request, work)


@incidents.get(
    "/incidents",
    response_model=IncidentPage,
    operation_id="list_incidents",
    **operation(READ, write=False, by_ref=False),
)
def list_incidents(
    request: Request,
    intake: IntakeDep,
    principal: Caller,
    status: Annotated[StatusFilter, Query()] = StatusFilter.ALL,
    updated_since: Annotated[Moment | None, Query(description="Only incidents changed at or after this.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=300, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> JSONResponse:
    """Incidents in order of last change, a page at a time; follow ``next`` until it is null."""

    def work(ctx: Ctx) -> tuple[IncidentPage, None]:
        rows, more = bodies.changed_incidents(
            ctx, principal, status=status, updated_since=updated_since, cursor=cursor, limit=limit
        )
        params = {"status": status.value, "limit": limit}
        if updated_since is not None:
            params["updated_since"] = updated_since.isoformat()
        following = (
            f"{bodies.PREFIX}/incidents?{urlencode({**params, 'cursor': bodies.encode_cursor(rows[-1])})}"
            if more
            else None
        )
        return IncidentPage(items=[bodies.summary(i, intake.web) for i in rows], next=following), None

    return intake.calls.read(request, work)


@incidents.get(
    "/incidents/{ref}/parties",
    response_model=PartyList,
    operation_id="list_parties",
    **operation(READ, write=False, by_ref=True),
)
def list_parties(request: Request, ref: Ref, intake: IntakeDep, principal: Caller) -> JSONResponse:
    """The people the case is about, with their identifiers: only for a key that is a member of the incident
    (it declared it), otherwise 403. Every read is audited."""

    def work(ctx: Ctx) -> tuple[PartyList, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        listed = parties.list_parties(ctx, incident.ref, actor=principal.actor)
        return PartyList(items=[bodies.party(p) for p in listed]), incident

    return intake.calls.read(request, work)


@incidents.post(
    "/incidents/{ref}/parties",
    status_code=201,
    response_model=AddedParty,
    operation_id="add_party",
    **operation(WRITE, write=True, by_ref=True),
)
def add_party(
    request: Request,
    ref: Ref,
    body: PartyRequest,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add a reporter, affected person, subject account or witness (members only). The answer carries the
    party's number and token, not its identifiers."""

    def work(ctx: Ctx) -> tuple[AddedParty, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        added = parties.add_party(
            ctx,
            incident.ref,
            actor=principal.actor,
            role=body.role,
            name=body.name,
            handle=body.handle,
            account_id=body.account_id,
            contact=body.contact,
        )
        return AddedParty(number=added.party.number, token=added.token, role=added.party.role_in_case), incident

    return intake.calls.write(request, body, idempotency_key, work)


@incidents.post(
    "/incidents/{ref}/parties/{party}/erase",
    status_code=201,
    response_model=ErasureView,
    operation_id="erase_party",
    **operation(WRITE, write=True, by_ref=True),
)
def erase_party(
    request: Request,
    ref: Ref,
    party: PartyRef,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Erase a party on request (members only): its identifiers are replaced with its role token across the
    incident's title, summary, timeline, updates, actions and review, then blanked. Irreversible."""

    def work(ctx: Ctx) -> tuple[ErasureView, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        erasure = parties.erase_party(ctx, incident.ref, party, actor=principal.actor)
        return ErasureView(number=erasure.number, token=erasure.token, replacements=erasure.replacements), incident

    return intake.calls.write(request, NoBody(), idempotency_key, work)


@incidents.get(
    "/incidents/{ref}/referrals",
    response_model=ReferralList,
    operation_id="list_referrals",
    **operation(READ, write=False, by_ref=True),
)
def list_referrals(request: Request, ref: Ref, intake: IntakeDep, principal: Caller) -> JSONResponse:
    """The incident's referrals, oldest first: where each stands, without their free text."""

    def work(ctx: Ctx) -> tuple[ReferralList, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        return ReferralList(items=[bodies.referral(r) for r in referrals.referrals_of(incident)]), incident

    return intake.calls.read(request, work)


@incidents.post(
    "/incidents/{ref}/referrals",
    status_code=201,
    response_model=ReferralView,
    operation_id="open_referral",
    **operation(WRITE, write=True, by_ref=True),
)
def open_referral(
    request: Request,
    ref: Ref,
    body: ReferralRequest,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Hand part of the incident to another process (a user dispute, a claim, the police...), tracked to closure."""

    def work(ctx: Ctx) -> tuple[ReferralView, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        referral = referrals.open_referral(
            ctx,
            incident.ref,
            actor=principal.actor,
            kind=body.kind,
            owner=bodies.person_by_email(ctx, body.owner_email, "owner_email"),
            due_date=body.due_date,
            external_ref=body.external_ref,
            note=body.note,
        )
        return bodies.referral(referral), incident

    return intake.calls.write(request, body, idempotency_key, work)


@incidents.post(
    "/referrals/{referral_id}/changes",
    status_code=201,
    response_model=ReferralView,
    operation_id="change_referral",
    **operation(WRITE, write=True, by_ref=True),
)
def change_referral(
    request: Request,
    referral_id: ReferralId,
    body: ReferralChange,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Report where a referral stands (accepted, in progress, decided with its outcome, closed, or declined with a
    reason), or change its owner, due date or external reference: how a case tool reports the decision back."""

    def work(ctx: Ctx) -> tuple[ReferralView, Incident]:
        incident = bodies.visible_referral_incident(ctx, principal, referral_id)
        given = body.model_fields_set
        changes = referrals.ReferralChanges(
            status=body.status,
            outcome=body.outcome,
            reason=body.reason,
            owner=bodies.person_by_email(ctx, body.owner_email, "owner_email")
            if "owner_email" in given
            else referrals.UNSET,
            due_date=body.due_date if "due_date" in given else referrals.UNSET,
            external_ref=body.external_ref if "external_ref" in given else referrals.UNSET,
        )
        referral = referrals.update_referral(ctx, referral_id, changes, actor=principal.actor)
        return bodies.referral(referral), incident

    return intake.calls.write(request, body, idempotency_key, work)


@incidents.get(
    "/incidents/{ref}/tasks",
    response_model=TaskList,
    operation_id="list_tasks",
    **operation(READ, write=False, by_ref=True),
)
def list_tasks(request: Request, ref: Ref, intake: IntakeDep, principal: Caller) -> JSONResponse:
    """The incident's playbook steps in order, with how many are finished and late."""

    def work(ctx: Ctx) -> tuple[TaskList, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        return bodies.task_list(tasks.tasks_of(incident), ctx.now()), incident

    return intake.calls.read(request, work)


@incidents.post(
    "/incidents/{ref}/tasks/{task_id}/complete",
    status_code=201,
    response_model=TaskView,
    operation_id="complete_task",
    **operation(WRITE, write=True, by_ref=True),
)
def complete_task(
    request: Request,
    ref: Ref,
    task_id: TaskId,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Mark a playbook step done; steps that count from it are re-planned from now."""

    def work(ctx: Ctx) -> tuple[TaskView, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        done = tasks.complete_task(ctx, bodies.incident_task(ctx, incident, task_id).id, actor=principal.actor)
        return bodies.task(done, ctx.now()), incident

    return intake.calls.write(request, NoBody(), idempotency_key, work)


@incidents.post(
    "/incidents/{ref}/tasks/{task_id}/skip",
    status_code=201,
    response_model=TaskView,
    operation_id="skip_task",
    **operation(WRITE, write=True, by_ref=True),
)
def skip_task(
    request: Request,
    ref: Ref,
    task_id: TaskId,
    body: SkipRequest,
    intake: IntakeDep,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Skip a playbook step, saying why (the reason goes on the timeline and into the review)."""

    def work(ctx: Ctx) -> tuple[TaskView, Incident]:
        incident = bodies.visible_incident(ctx, principal, ref)
        step = bodies.incident_task(ctx, incident, task_id)
        skipped = tasks.skip_task(ctx, step.id, actor=principal.actor, reason=body.reason)
        return bodies.task(skipped, ctx.now()), incident

    return intake.calls.write(request, body, idempotency_key, work)


@incidents.get("/openapi.json", include_in_schema=False)
def openapi() -> JSONResponse:
    return JSONResponse(served_document())


@cache
def served_document() -> dict[str, Any]:
    """The document of :data:`router`, generated once per process (the routes are fixed at import)."""
    return document(router)


async def no_operation(request: Request) -> Response:
    """A call that matches no operation: 404 for an unknown path, 405 with ``Allow`` for a known path and another
    method, in the API's error shape rather than Starlette's ``{"detail": ...}``."""
    path = f"{bodies.PREFIX}/{request.path_params['path']}"
    operations = [r for r in router.routes if isinstance(r, APIRoute) and r.path_regex.match(path)]
    allowed = sorted({method for operation in operations for method in operation.methods or ()})
    if not allowed:
        listed = f"{bodies.PREFIX}/openapi.json"
        return ApiProblem(404, f"There is no operation at this path; {listed} lists them.").response()
    message = f"This path does not answer {request.method}; use {' or '.join(allowed)}."
    return ApiProblem(405, message, headers={"Allow": ", ".join(allowed)}).response()


router = APIRouter(routes=[*signals_router.routes, *incidents.routes, *holds_router.routes])
"""Every operation in one flat list. FastAPI matches an included router's routes when a call comes, level by level
and again at each level as it hands the call down: nested, and tried after every other, the signals' route cost a
report fifty path matches. Signals come first, being most of the calls in a wave."""

# Last, so that it answers only what no operation does (any method at a known path goes here, not to Starlette's 405).
router.add_route(
    f"{bodies.PREFIX}/{{path:path}}",
    no_operation,
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"],
    include_in_schema=False,
)
