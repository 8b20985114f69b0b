"""Reading groups of signals as the triage channel, App Home and ``vigil signals`` show them: counts, sources and
times only. No subject, reporter or text leaves through here: those are for the incident's members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from incidents.context import Ctx
from incidents.errors import NotFound
from incidents.signals.models import GroupState, Signal, SignalGroup


@dataclass(frozen=True)
class GroupView:
    id: int
    state: GroupState
    type: str
    type_label: str
    region: str | None
    count: int
    sources: dict[str, int]
    first_at: datetime
    last_at: datetime
    incident_ref: str | None
    declared: bool
    """Its incident was declared from it (rather than it attached to one already open)."""
    decided_by: str | None
    reason: str | None

    def per_minute(self) -> float:
        minutes = max((self.last_at - self.first_at).total_seconds() / 60, 1.0)
        return self.count / minutes


def group_views(ctx: Ctx, groups: Sequence[SignalGroup]) -> list[GroupView]:
    ids = [g.id for g in groups]
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    latest: dict[int, datetime] = {}
    if ids:
        rows = ctx.session.execute(
            select(Signal.group_id, Signal.source, func.count(), func.max(Signal.received_at))
            .where(Signal.group_id.in_(ids))
            .group_by(Signal.group_id, Signal.source)
        )
        for group_id, source, count, last in rows:
            counts[group_id][source] = count
            latest[group_id] = max(latest.get(group_id, last), last)
    return [
        GroupView(
            id=g.id,
            state=g.state,
            type=g.type,
            type_label=ctx.policy.types[g.type].label if g.type in ctx.policy.types else g.type,
            region=g.region,
            count=sum(counts[g.id].values()),
            sources=dict(sorted(counts[g.id].items())),
            first_at=g.first_at,
            last_at=latest.get(g.id, g.first_at),
            incident_ref=g.incident.ref if g.incident is not None else None,
            declared=g.declared,
            decided_by=g.decided_by,
            reason=g.reason,
        )
        for g in groups
    ]


def waiting(ctx: Ctx, limit: int = 50) -> list[GroupView]:
    """Groups nobody has decided about yet (the ``limit`` newest), the latest activity first."""
    groups = ctx.session.scalars(
        select(SignalGroup).where(SignalGroup.state == GroupState.WAITING).order_by(SignalGroup.id.desc()).limit(limit)
    ).all()
    return sorted(group_views(ctx, groups), key=lambda g: (g.last_at, g.id), reverse=True)


def group_view(ctx: Ctx, group_id: int) -> GroupView:
    group = ctx.session.get(SignalGroup, group_id)
    if group is None:
        raise NotFound(f"No signal group {group_id}; `vigil signals` lists those waiting.", field="group")
    return group_views(ctx, [group])[0]


def incident_groups(ctx: Ctx, incident_id: int) -> list[GroupView]:
    groups = ctx.session.scalars(
        select(SignalGroup).where(SignalGroup.incident_id == incident_id).order_by(SignalGroup.id)
    ).all()
    return group_views(ctx, groups)


@dataclass(frozen=True)
class SignalSummary:
    """The reports of an incident, counted: what its review says of them."""

    count: int
    by_source: dict[str, int]
    by_type: dict[str, int]
    first_at: datetime
    last_at: datetime


def incident_summary(ctx: Ctx, incident_id: int) -> SignalSummary | None:
    rows = ctx.session.execute(
        select(Signal.source, Signal.type, func.count(), func.min(Signal.received_at), func.max(Signal.received_at))
        .join(SignalGroup, Signal.group_id == SignalGroup.id)
        .where(SignalGroup.incident_id == incident_id)
        .group_by(Signal.source, Signal.type)
    ).all()
    if not rows:
        return None
    by_source: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for source, kind, count, _first, _last in rows:
        by_source[source] = by_source.get(source, 0) + count
        by_type[kind] = by_type.get(kind, 0) + count
    return SignalSummary(
        count=sum(by_source.values()),
        by_source=dict(sorted(by_source.items())),
        by_type=dict(sorted(by_type.items())),
        first_at=min(r[3] for r in rows),
        last_at=max(r[4] for r in rows),
    )


def latest_signals(ctx: Ctx, incident_id: int, limit: int | None = None) -> list[Signal]:
    """The incident's reports with what they say, the latest first: for its members' eyes only."""
    return list(
        ctx.session.scalars(
            select(Signal)
            .join(SignalGroup, Signal.group_id == SignalGroup.id)
            .where(SignalGroup.incident_id == incident_id)
            .order_by(Signal.received_at.desc(), Signal.id.desc())
            .limit(limit)
        )
    )
