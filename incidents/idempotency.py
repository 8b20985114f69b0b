"""Idempotency records: a caller that retries a change with the same key gets the first answer back, and the
change is made once.

The record is claimed before the work, in the work's unit of work: a concurrent duplicate waits on the unique
index (PostgreSQL) or the write lock (SQLite) until the first commits, then replays its answer; if the first failed,
its claim rolled back with it and the duplicate runs afresh. Only successes are kept: a refused request changed
nothing, so running it again is safe. How a caller names its key and learns that an answer was replayed is the
transport's business (the intake API's headers, :mod:`web.api.calls`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_

from incidents.apikeys.models import IdempotencyRecord
from incidents.context import Ctx
from incidents.db import insert_or_nothing
from incidents.errors import VigilError

Claimant = tuple[int, str]
"""(API key id, idempotency key): whose key, and which."""


@dataclass(frozen=True)
class Attempt:
    """A change asked for under an idempotency key; ``fingerprint`` tells a retry from another request."""

    api_key_id: int
    key: str
    fingerprint: str

    @property
    def claimant(self) -> Claimant:
        return (self.api_key_id, self.key)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def fingerprint(*parts: str) -> str:
    """What a request asks for, compared (not stored) between an attempt and its retries."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def claim(ctx: Ctx, attempts: Sequence[Attempt]) -> dict[Claimant, IdempotencyRecord]:
    """For each attempt: its fresh claim (see :func:`earlier_answer`), or the committed record of an earlier
    attempt with the same key.

    ``INSERT ... ON CONFLICT DO NOTHING`` waits for a concurrent claim of the same key to commit or roll back,
    then inserts nothing (it committed: replay it) or claims the key (it rolled back). Rows go in in key order,
    so two batches never wait on each other's claims in a cycle.
    """
    if not attempts:
        return {}
    now = ctx.now()
    rows = [
        {
            "api_key_id": a.api_key_id,
            "key": a.key,
            "request_hash": a.fingerprint,
            "status_code": 0,
            "body": {},
            "created_at": now,
        }
        for a in sorted(attempts, key=lambda a: (a.claimant, a.fingerprint))
    ]
    insert = insert_or_nothing(ctx.session, IdempotencyRecord, ["api_key_id", "key"]).returning(IdempotencyRecord)
    records = {(r.api_key_id, r.key): r for r in ctx.session.scalars(insert, rows)}
    taken = [a.claimant for a in attempts if a.claimant not in records]
    if taken:
        found = select(IdempotencyRecord).where(tuple_(IdempotencyRecord.api_key_id, IdempotencyRecord.key).in_(taken))
        records.update(((r.api_key_id, r.key), r) for r in ctx.session.scalars(found))
    assert all(records[k].status_code for k in taken), "a committed claim always carries its answer"
    return records


def earlier_answer(record: IdempotencyRecord, attempt: Attempt) -> Answer | None:
    """The answer to replay for ``attempt``, or None when ``record`` is its own fresh claim (do the work, then
    :func:`keep` the answer). Refuses a key reused for a different request."""
    if not record.status_code:
        return None
    if record.request_hash != attempt.fingerprint:
        raise VigilError(
            "This Idempotency-Key was used with a different request; use a new key for a new request.",
            field="Idempotency-Key",
        )
    return Answer(record.status_code, record.body)


def keep(record: IdempotencyRecord, answer: Answer) -> None:
    """Keep the answer for retries; it commits with the work it answers for."""
    record.status_code, record.body = answer.status, answer.body


def release(ctx: Ctx, record: IdempotencyRecord) -> None:
    """Give up this attempt's claim when its request was refused (the rest of its unit of work goes on); an
    earlier attempt's answer stays."""
    if not record.status_code:
        ctx.session.delete(record)
