"""Recording nudges once, and adapters reporting them delivered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_

from incidents.context import Ctx
from incidents.errors import NotFound
from incidents.outbox import enqueue
from incidents.scheduling.models import Nudge, NudgeKind


@dataclass(frozen=True)
class Due:
    """A nudge some job found due; it becomes a :class:`Nudge` unless one with the same key exists."""

    kind: NudgeKind
    subject: str
    due_at: datetime
    incident_id: int | None
    recipients: Sequence[str] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.kind.value, self.subject, self.due_at)


def record_due(ctx: Ctx, found: Iterable[Due]) -> list[Nudge]:
    """Record the nudges not recorded before, each with its outbox row, in the caller's unit of work.

    Idempotent: running it again with the same findings records nothing. Two writers racing past the check
    (which the leader lock prevents) would collide on the unique key and one unit of work would roll back.
    """
    wanted = {due.key: due for due in found}
    if not wanted:
        return []
    pairs = sorted({(kind, subject) for kind, subject, _ in wanted})
    rows = ctx.session.execute(
        select(Nudge.kind, Nudge.subject, Nudge.due_at).where(tuple_(Nudge.kind, Nudge.subject).in_(pairs))
    )
    existing = {(kind, subject, due_at) for kind, subject, due_at in rows}
    now = ctx.now()
    recorded = []
    for key, due in sorted(wanted.items(), key=lambda item: (item[0][2], item[0][0], item[0][1])):
        if key in existing:
            continue
        nudge = Nudge(
            kind=due.kind.value,
            subject=due.subject,
            due_at=due.due_at,
            incident_id=due.incident_id,
            recipients=list(dict.fromkeys(due.recipients)),
            details=due.details,
            created_at=now,
        )
        ctx.session.add(nudge)
        ctx.session.flush()
        enqueue(ctx.session, due.kind.topic, now=now, incident_id=due.incident_id, payload={"nudge_id": nudge.id})
        recorded.append(nudge)
    return recorded


def recorded(ctx: Ctx, kind: NudgeKind, subject: str, due_at: datetime) -> bool:
    """Whether that nudge exists: lets a job skip computing what it would not record anyway."""
    query = select(Nudge.id).where(Nudge.kind == kind.value, Nudge.subject == subject, Nudge.due_at == due_at)
    return ctx.session.scalar(query) is not None


def get_nudge(ctx: Ctx, nudge_id: int) -> Nudge:
    nudge = ctx.session.get(Nudge, nudge_id)
    if nudge is None:
        raise NotFound(f"nudge #{nudge_id} no longer exists")
    return nudge


def mark_delivered(ctx: Ctx, nudge_id: int, *, to: str | None, ref: str | None) -> None:
    """Remember where the nudge went (a channel id, a message ts) so a retried delivery does not repeat it."""
    nudge = get_nudge(ctx, nudge_id)
    nudge.delivered_at, nudge.delivered_to, nudge.delivery_ref = ctx.now(), to, ref
