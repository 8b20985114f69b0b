"""How one API call runs against the domain: admission, one unit of work, idempotent replay and the audit record.

Every call by a known key leaves an ``api.call`` audit event naming ``api:<key name>``: in the call's own unit of
work when it succeeds (so the record and the change commit together), in a separate one when it is refused
(the refused work is rolled back whole). Calls over the rate limit are not audited: the limit protects the
database, and auditing them would defeat it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from incidents.apikey_models import IdempotencyRecord
from incidents.apikeys import Principal, admit
from incidents.context import Ctx, Domain
from incidents.effects import audit
from incidents.models import Incident
from web.api.errors import ApiProblem
from web.api.schemas import FieldError

REPLAYED_HEADER = "Idempotent-Replayed"
Work = Callable[[Ctx], tuple[BaseModel, Incident | None]]


@dataclass
class Calls:
    domain: Domain

    def admit(self, request: Request, scope: str) -> None:
        """Check the bearer token, count the call, check the scope; the caller goes on ``request.state``."""
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        with self.domain.unit() as ctx:
            admission = admit(ctx, token) if token else None
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
        digest = hashlib.sha256(f"{request.url.path}\n{payload.model_dump_json()}".encode()).hexdigest()
        with self.domain.unit() as ctx:
            record = _claim(ctx, principal, idempotency_key, digest) if idempotency_key else None
            if record is not None and record.status_code:
                if record.request_hash != digest:
                    raise ApiProblem(
                        422,
                        "This Idempotency-Key was used with a different request; use a new key for a new request.",
                        field="Idempotency-Key",
                    )
                audit(ctx, principal.actor, "api.call", None, **_call(request, record.status_code), replayed=True)
                return JSONResponse(record.body, status_code=record.status_code, headers={REPLAYED_HEADER: "true"})
            view, incident = work(ctx)
            body = view.model_dump(mode="json")
            if record is not None:
                record.status_code, record.body = 201, body
            audit(ctx, principal.actor, "api.call", incident, **_call(request, 201), idempotency_key=idempotency_key)
        return JSONResponse(body, status_code=201)


def _claim(ctx: Ctx, principal: Principal, key: str, digest: str) -> IdempotencyRecord:
    """This call's fresh claim (status 0), or the committed record of an earlier call with the same key.

    ``INSERT ... ON CONFLICT DO NOTHING`` waits for a concurrent claim of the same key to commit or roll back,
    then inserts nothing (it committed: replay it) or claims the key (it rolled back).
    """
    dialect_insert = postgresql.insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    claim = (
        dialect_insert(IdempotencyRecord)
        .values(api_key_id=principal.key_id, key=key, request_hash=digest, status_code=0, body={}, created_at=ctx.now())
        .on_conflict_do_nothing(index_elements=["api_key_id", "key"])
        .returning(IdempotencyRecord)
    )
    record = ctx.session.scalar(claim)
    if record is None:
        record = ctx.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == principal.key_id, IdempotencyRecord.key == key
            )
        )
        assert record is not None and record.status_code, "a committed claim always carries its answer"
    return record


def _call(request: Request, status: int) -> dict[str, Any]:
    return {"method": request.method, "path": request.url.path, "status": status}
