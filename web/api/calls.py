"""How one API call runs against the domain: admission, one unit of work, idempotent replay and the audit record.

Every call by a known key leaves an ``api.call`` audit event naming ``api:<key name>``: in the call's own unit of
work when it succeeds (so the record and the change commit together), in a separate one when it is refused
(the refused work is rolled back whole). Calls over the rate limit are not audited: the limit protects the
database, and auditing them would defeat it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from incidents import idempotency, lifecycle
from incidents.apikeys.models import IdempotencyRecord
from incidents.apikeys.service import Admission, Principal, admit
from incidents.context import Ctx, Domain
from incidents.effects import audit
from incidents.errors import Conflict, VigilError
from incidents.lifecycle import Declaration
from incidents.models import Incident
from incidents.queries import normalise_ref
from incidents.signals.intake import Checked, Report, check_reports, store
from web.api.errors import ApiProblem
from web.api.group_commit import GroupCommit
from web.api.schemas import FieldError
from web.api.signal_schemas import signals_accepted

REPLAYED_HEADER = "Idempotent-Replayed"
BATCH = 64
logger = logging.getLogger(__name__)
Work = Callable[[Ctx], tuple[BaseModel, Incident | None]]
Answer = Callable[[Incident], BaseModel]
Prepared = TypeVar("Prepared")
PrepareDeclare = Callable[[Ctx], tuple[Declaration, Answer]]
"""Reads what a declare call needs and checks it (raising :class:`ApiProblem` or :class:`VigilError`), writing
nothing; returns the declaration and how to answer once the incident has its reference."""


@dataclass
class Calls:
    domain: Domain
    _admissions: GroupCommit[str, Admission | None] = field(init=False)
    _declares: _Together[tuple[Declaration, Answer]] = field(init=False)
    _signals: _Together[tuple[str, Checked]] = field(init=False)

    def __post_init__(self) -> None:
        self._admissions = GroupCommit(self._admit_together, limit=BATCH)
        self._declares = _Together(self, _commit_declares)
        self._signals = _Together(self, _commit_signals)

    def _admit_together(self, tokens: Sequence[str]) -> list[Admission | None]:
        """Admissions of concurrent calls share one transaction (and one counter update per key)."""
        with self.domain.unit() as ctx:
            return admit(ctx, tokens)

    async def admit(self, request: Request, scope: str) -> None:
        """Check the bearer token, count the call, check the scope; the caller goes on ``request.state``, and
        the moment the call arrived with it."""
        request.state.received = self.domain.time_source.now()
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        admission = await self._admissions.run(token) if token else None
        if admission is None:
            raise ApiProblem(
                401,
                "Send a valid, unrevoked API key as 'Authorization: Bearer <token>'.",
                field="Authorization",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if admission.retry_after is not None:
            raise ApiProblem(
                429,
                f"Too many calls with this key; retry in {admission.retry_after} s.",
                headers={"Retry-After": str(admission.retry_after)},
            )
        request.state.principal = admission.principal
        if scope not in admission.principal.scopes:
            raise ApiProblem(403, f"This key lacks the {scope} scope.", field="Authorization")

    def audit_refusal(self, request: Request, status: int, errors: list[FieldError]) -> None:
        principal: Principal = request.state.principal
        messages = [e.message for e in errors]
        self.domain.run(
            lambda ctx: audit(ctx, principal.actor, "api.call", None, **_call(request, status), errors=messages),
            received=_received(request),
        )

    def read(self, request: Request, work: Work) -> JSONResponse:
        principal: Principal = request.state.principal

        def unit(ctx: Ctx) -> BaseModel:
            view, incident = work(ctx)
            audit(ctx, principal.actor, "api.call", incident, **_call(request, 200))
            return view

        view = self.domain.run(unit, received=_received(request))
        return JSONResponse(view.model_dump(mode="json"))

    def write(self, request: Request, payload: BaseModel, idempotency_key: str | None, work: Work) -> JSONResponse:
        """Run ``work`` once per idempotency key (:mod:`incidents.idempotency`): a retry gets the first answer and
        changes nothing. The domain's unit of work queues on the incident named in the path and runs again when
        another writer changed it meanwhile; a conflict that outlasts its retries answers 409."""
        principal: Principal = request.state.principal
        attempt = _attempt(request, payload, idempotency_key)
        ref = _incident_named(request)

        def unit(ctx: Ctx) -> JSONResponse:
            if ref is not None:
                ctx.lock_incident(ref=ref)
            record = idempotency.claim(ctx, [attempt])[attempt.claimant] if attempt else None
            earlier = idempotency.earlier_answer(record, attempt) if record and attempt else None
            if earlier is not None:
                return _replay(ctx, request, principal, earlier)
            view, incident = work(ctx)
            return _created(ctx, request, principal, idempotency_key, record, view, incident)

        return self.domain.run(unit, received=_received(request))

    async def declare(
        self, request: Request, payload: BaseModel, idempotency_key: str | None, prepare: PrepareDeclare
    ) -> JSONResponse:
        """Declare as :meth:`write` would, committed together with the declares of concurrent calls."""
        return await self._declares.run(_Job(request, payload, idempotency_key, prepare))

    async def signals(
        self, request: Request, payload: BaseModel, idempotency_key: str | None, reports: list[Report]
    ) -> JSONResponse:
        """Take reports as :meth:`write` would, committed together with the reports of concurrent calls: a wave
        of single reports costs a few transactions a second, not one each."""
        principal: Principal = request.state.principal

        def prepare(ctx: Ctx) -> tuple[str, Checked]:
            return principal.actor, check_reports(ctx, reports)

        return await self._signals.run(_Job(request, payload, idempotency_key, prepare))


@dataclass(eq=False)
class _Job(Generic[Prepared]):
    """A write call waiting for its batch: ``prepare`` reads and checks what it needs (raising
    :class:`ApiProblem` or :class:`VigilError`), writing nothing."""

    request: Request
    payload: BaseModel
    idempotency_key: str | None
    prepare: Callable[[Ctx], Prepared]

    @property
    def principal(self) -> Principal:
        principal: Principal = self.request.state.principal
        return principal

    @property
    def claimant(self) -> idempotency.Claimant | None:
        return (self.principal.key_id, self.idempotency_key) if self.idempotency_key else None


@dataclass
class _Together(Generic[Prepared]):
    """Write calls of one kind that arrive together, committed in one unit of work: ``commit`` writes every
    prepared call of the batch at once and answers each (the view and the incident it names, if any)."""

    calls: Calls
    commit: Callable[[Ctx, list[Prepared]], list[tuple[BaseModel, Incident | None]]]
    _batches: GroupCommit[_Job[Prepared], JSONResponse] = field(init=False)

    def __post_init__(self) -> None:
        self._batches = GroupCommit(self._together, limit=BATCH)

    async def run(self, job: _Job[Prepared]) -> JSONResponse:
        return await self._batches.run(job)

    def _together(self, jobs: Sequence[_Job[Prepared]]) -> list[JSONResponse | Exception]:
        """One transaction for the batch; if it fails as a whole (a deadlock, a lost race), each call runs alone
        so that each gets its own answer. A call repeating an idempotency key already in the batch runs after it,
        alone, and so replays the batch's answer."""
        first: dict[idempotency.Claimant | _Job[Prepared], _Job[Prepared]] = {}
        for job in jobs:
            first.setdefault(job.claimant or job, job)
        batch = list(first.values())
        try:
            outcomes = self._batch(batch)
        except Exception as exc:
            if isinstance(exc, Conflict):  # another replica wrote the same rows first (opened the same group)
                logger.info("a batch of %d calls met a concurrent change; running them one by one", len(batch))
            else:
                logger.warning("a batch of %d calls failed; running them one by one", len(batch), exc_info=True)
            outcomes = {job: self._alone(job) for job in batch}
        return [outcomes[job] if job in outcomes else self._alone(job) for job in jobs]

    def _batch(self, jobs: list[_Job[Prepared]]) -> dict[_Job[Prepared], JSONResponse | Exception]:
        outcomes: dict[_Job[Prepared], JSONResponse | Exception] = {}
        fresh: list[tuple[_Job[Prepared], IdempotencyRecord | None, Prepared]] = []
        attempts = {job: _attempt(job.request, job.payload, job.idempotency_key) for job in jobs}
        with self.calls.domain.unit() as ctx:
            claims = idempotency.claim(ctx, [attempt for attempt in attempts.values() if attempt])
            for job in jobs:
                attempt = attempts[job]
                record = claims[attempt.claimant] if attempt else None
                try:
                    earlier = idempotency.earlier_answer(record, attempt) if record and attempt else None
                    if earlier is not None:
                        outcomes[job] = _replay(ctx, job.request, job.principal, earlier)
                        continue
                    prepared = job.prepare(ctx)
                except (ApiProblem, VigilError) as exc:
                    outcomes[job] = exc
                    if record is not None:
                        idempotency.release(ctx, record)
                    continue
                fresh.append((job, record, prepared))
            answers = self.commit(ctx, [prepared for _job, _record, prepared in fresh])
            for (job, record, _prepared), (view, incident) in zip(fresh, answers, strict=True):
                outcomes[job] = _created(ctx, job.request, job.principal, job.idempotency_key, record, view, incident)
        return outcomes

    def _alone(self, job: _Job[Prepared]) -> JSONResponse | Exception:
        try:
            return self.calls.write(
                job.request, job.payload, job.idempotency_key, lambda ctx: self.commit(ctx, [job.prepare(ctx)])[0]
            )
        except Exception as exc:
            return exc


def _commit_declares(ctx: Ctx, prepared: list[tuple[Declaration, Answer]]) -> list[tuple[BaseModel, Incident | None]]:
    incidents = lifecycle.declare_many(ctx, [declaration for declaration, _answer in prepared])
    return [(answer(incident), incident) for (_declaration, answer), incident in zip(prepared, incidents, strict=True)]


def _commit_signals(ctx: Ctx, prepared: list[tuple[str, Checked]]) -> list[tuple[BaseModel, Incident | None]]:
    """Each caller's checked reports in one :func:`store` (the reports of one key are stored together)."""
    answers: dict[int, tuple[BaseModel, Incident | None]] = {}
    for actor in dict.fromkeys(actor for actor, _checked in prepared):
        mine = [(n, checked) for n, (who, checked) in enumerate(prepared) if who == actor]
        received = iter(store(ctx, Checked.joined([checked for _n, checked in mine]), actor=actor))
        for n, checked in mine:
            answers[n] = (signals_accepted([next(received) for _ in checked.reports]), None)
    return [answers[n] for n in range(len(prepared))]


def _attempt(request: Request, payload: BaseModel, idempotency_key: str | None) -> idempotency.Attempt | None:
    """The idempotency attempt of a call sent with an ``Idempotency-Key`` (None without one)."""
    if idempotency_key is None:
        return None
    principal: Principal = request.state.principal
    asked = idempotency.fingerprint(request.url.path, payload.model_dump_json())
    return idempotency.Attempt(principal.key_id, idempotency_key, asked)


def _incident_named(request: Request) -> str | None:
    """The incident in the call's path, whose row the call queues on."""
    ref = request.path_params.get("ref")
    return normalise_ref(ref) if isinstance(ref, str) else None


def _received(request: Request) -> datetime | None:
    """When the call arrived (set at admission): the time of what it records, whatever retries it takes."""
    received: datetime | None = getattr(request.state, "received", None)
    return received


def _replay(ctx: Ctx, request: Request, principal: Principal, earlier: idempotency.Answer) -> JSONResponse:
    audit(ctx, principal.actor, "api.call", None, **_call(request, earlier.status), replayed=True)
    return JSONResponse(earlier.body, status_code=earlier.status, headers={REPLAYED_HEADER: "true"})


def _created(
    ctx: Ctx,
    request: Request,
    principal: Principal,
    idempotency_key: str | None,
    record: IdempotencyRecord | None,
    view: BaseModel,
    incident: Incident | None,
) -> JSONResponse:
    """The 201 answer, kept for replays with the key, and the call's audit record."""
    answer = idempotency.Answer(201, view.model_dump(mode="json"))
    if record is not None:
        idempotency.keep(record, answer)
    audit(ctx, principal.actor, "api.call", incident, **_call(request, 201), idempotency_key=idempotency_key)
    return JSONResponse(answer.body, status_code=answer.status)


def _call(request: Request, status: int) -> dict[str, Any]:
    return {"method": request.method, "path": request.url.path, "status": status}
