"""How one API call runs against the domain: admission, one unit of work, idempotent replay and the audit record.

Every call by a known key leaves an ``api.call`` audit event naming ``api:<key name>``: in the call's own unit of
work when it succeeds (so the record and the change commit together), in a separate one when it is refused
(the refused work is rolled back whole). Calls over the rate limit are not audited: the limit protects the
database, and auditing them would defeat it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from incidents import lifecycle
from incidents.apikey_models import IdempotencyRecord
from incidents.apikeys import Admission, Principal, admit
from incidents.context import Ctx, Domain
from incidents.db import on_postgresql
from incidents.effects import audit
from incidents.errors import VigilError
from incidents.lifecycle import Declaration
from incidents.models import Incident
from web.api.errors import ApiProblem
from web.api.group_commit import GroupCommit
from web.api.schemas import FieldError

REPLAYED_HEADER = "Idempotent-Replayed"
BATCH = 64
logger = logging.getLogger(__name__)
Work = Callable[[Ctx], tuple[BaseModel, Incident | None]]
Answer = Callable[[Incident], BaseModel]
PrepareDeclare = Callable[[Ctx], tuple[Declaration, Answer]]
"""Reads what a declare call needs and checks it (raising :class:`ApiProblem` or :class:`VigilError`), writing
nothing; returns the declaration and how to answer once the incident has its reference."""


@dataclass
class Calls:
    domain: Domain
    _admissions: GroupCommit[str, Admission | None] = field(init=False)
    _declares: GroupCommit[_Declare, JSONResponse] = field(init=False)

    def __post_init__(self) -> None:
        self._admissions = GroupCommit(self._admit_together, limit=BATCH)
        self._declares = GroupCommit(self._declare_together, limit=BATCH)

    def _admit_together(self, tokens: Sequence[str]) -> list[Admission | None]:
        """Admissions of concurrent calls share one transaction (and one counter update per key)."""
        with self.domain.unit() as ctx:
            return admit(ctx, tokens)

    async def admit(self, request: Request, scope: str) -> None:
        """Check the bearer token, count the call, check the scope; the caller goes on ``request.state``."""
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
        with self.domain.unit() as ctx:
            audit(ctx, principal.actor, "api.call", None, **_call(request, status), errors=[e.message for e in errors])

    def read(self, request: Request, work: Work) -> JSONResponse:
        principal: Principal = request.state.principal
        with self.domain.unit() as ctx:
            view, incident = work(ctx)
            audit(ctx, principal.actor, "api.call", incident, **_call(request, 200))
        return JSONResponse(view.model_dump(mode="json"))

    def write(self, request: Request, payload: BaseModel, idempotency_key: str | None, work: Work) -> JSONResponse:
        """Run ``work`` once per idempotency key: a retry gets the first answer and changes nothing.

        The key is claimed by inserting its row before the work, in the same transaction: a concurrent duplicate
        blocks on the unique index (PostgreSQL) or on the write lock (SQLite) until the first commits, then
        replays its answer; if the first failed, its claim rolled back with it and the duplicate runs afresh.
        Only successes are kept: a refused request changed nothing, so running it again is safe.
        """
        principal: Principal = request.state.principal
        digest = _digest(request, payload)
        with self.domain.unit() as ctx:
            record = (
                _claim(ctx, [(principal.key_id, idempotency_key, digest)]).get((principal.key_id, idempotency_key))
                if idempotency_key
                else None
            )
            if record is not None and record.status_code:
                return _replay(ctx, request, principal, record, digest)
            view, incident = work(ctx)
            return _created(ctx, request, principal, idempotency_key, record, view, incident)

    async def declare(
        self, request: Request, payload: BaseModel, idempotency_key: str | None, prepare: PrepareDeclare
    ) -> JSONResponse:
        """Declare as :meth:`write` would, committed together with the declares of concurrent calls."""
        return await self._declares.run(_Declare(request, payload, idempotency_key, prepare))

    def _declare_together(self, jobs: Sequence[_Declare]) -> list[JSONResponse | Exception]:
        """One transaction for the batch; if it fails as a whole (a deadlock, a lost race), each call runs alone
        so that each gets its own answer. A call repeating an idempotency key already in the batch runs after it,
        alone, and so replays the batch's answer."""
        first: dict[tuple[int, str] | _Declare, _Declare] = {}
        for job in jobs:
            first.setdefault(job.claim_key or job, job)
        batch = list(first.values())
        try:
            outcomes = self._declare_batch(batch)
        except Exception:
            logger.warning("a batch of %d declares failed; running them one by one", len(batch), exc_info=True)
            outcomes = {job: self._declare_alone(job) for job in batch}
        return [outcomes[job] if job in outcomes else self._declare_alone(job) for job in jobs]

    def _declare_batch(self, jobs: list[_Declare]) -> dict[_Declare, JSONResponse | Exception]:
        outcomes: dict[_Declare, JSONResponse | Exception] = {}
        fresh: list[tuple[_Declare, IdempotencyRecord | None, Declaration, Answer]] = []
        digests = {job: _digest(job.request, job.payload) for job in jobs}
        with self.domain.unit() as ctx:
            claims = _claim(ctx, [(*job.claim_key, digests[job]) for job in jobs if job.claim_key])
            for job in jobs:
                digest = digests[job]
                record = claims.get(job.claim_key) if job.claim_key else None
                try:
                    if record is not None and record.status_code:
                        outcomes[job] = _replay(ctx, job.request, job.principal, record, digest)
                        continue
                    declaration, answer = job.prepare(ctx)
                except (ApiProblem, VigilError) as exc:
                    outcomes[job] = exc
                    if record is not None and not record.status_code:
                        ctx.session.delete(record)
                    continue
                fresh.append((job, record, declaration, answer))
            incidents = lifecycle.declare_many(ctx, [declaration for _job, _record, declaration, _answer in fresh])
            for (job, record, _declaration, answer), incident in zip(fresh, incidents, strict=True):
                outcomes[job] = _created(
                    ctx, job.request, job.principal, job.idempotency_key, record, answer(incident), incident
                )
        return outcomes

    def _declare_alone(self, job: _Declare) -> JSONResponse | Exception:
        def work(ctx: Ctx) -> tuple[BaseModel, Incident]:
            declaration, answer = job.prepare(ctx)
            incident = lifecycle.declare_many(ctx, [declaration])[0]
            return answer(incident), incident

        try:
            return self.write(job.request, job.payload, job.idempotency_key, work)
        except Exception as exc:
            return exc


@dataclass(eq=False)
class _Declare:
    """A declare call waiting for its batch."""

    request: Request
    payload: BaseModel
    idempotency_key: str | None
    prepare: PrepareDeclare

    @property
    def principal(self) -> Principal:
        principal: Principal = self.request.state.principal
        return principal

    @property
    def claim_key(self) -> tuple[int, str] | None:
        return (self.principal.key_id, self.idempotency_key) if self.idempotency_key else None


def _digest(request: Request, payload: BaseModel) -> str:
    return hashlib.sha256(f"{request.url.path}\n{payload.model_dump_json()}".encode()).hexdigest()


def _replay(ctx: Ctx, request: Request, principal: Principal, record: IdempotencyRecord, digest: str) -> JSONResponse:
    if record.request_hash != digest:
        raise ApiProblem(
            422,
            "This Idempotency-Key was used with a different request; use a new key for a new request.",
            field="Idempotency-Key",
        )
    audit(ctx, principal.actor, "api.call", None, **_call(request, record.status_code), replayed=True)
    return JSONResponse(record.body, status_code=record.status_code, headers={REPLAYED_HEADER: "true"})


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
    body = view.model_dump(mode="json")
    if record is not None:
        record.status_code, record.body = 201, body
    audit(ctx, principal.actor, "api.call", incident, **_call(request, 201), idempotency_key=idempotency_key)
    return JSONResponse(body, status_code=201)


def _claim(ctx: Ctx, wanted: Sequence[tuple[int, str, str]]) -> dict[tuple[int, str], IdempotencyRecord]:
    """For each (API key id, idempotency key, request hash): this call's fresh claim (status 0), or the committed
    record of an earlier call with the same key, by (API key id, idempotency key).

    ``INSERT ... ON CONFLICT DO NOTHING`` waits for a concurrent claim of the same key to commit or roll back,
    then inserts nothing (it committed: replay it) or claims the key (it rolled back). Rows go in in key order,
    so two batches never wait on each other's claims in a cycle.
    """
    if not wanted:
        return {}
    dialect_insert = postgresql.insert if on_postgresql(ctx.session) else sqlite.insert
    now = ctx.now()
    rows = [
        {"api_key_id": key_id, "key": key, "request_hash": digest, "status_code": 0, "body": {}, "created_at": now}
        for key_id, key, digest in sorted(wanted)
    ]
    claim = (
        dialect_insert(IdempotencyRecord)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["api_key_id", "key"])
        .returning(IdempotencyRecord)
    )
    records = {(r.api_key_id, r.key): r for r in ctx.session.scalars(claim)}
    taken = [(key_id, key) for key_id, key, _digest in wanted if (key_id, key) not in records]
    if taken:
        found = select(IdempotencyRecord).where(tuple_(IdempotencyRecord.api_key_id, IdempotencyRecord.key).in_(taken))
        records.update(((r.api_key_id, r.key), r) for r in ctx.session.scalars(found))
    assert all(records[k].status_code for k in taken), "a committed claim always carries its answer"
    return records


def _call(request: Request, status: int) -> dict[str, Any]:
    return {"method": request.method, "path": request.url.path, "status": status}
