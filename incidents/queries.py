"""Reads. Loading options are chosen per use so a list never drags whole timelines along."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from incidents.access.members import is_member as is_member
from incidents.access.members import visible_clause
from incidents.access.policy import Act, Who
from incidents.context import Ctx
from incidents.enums import OPEN_STATUSES, Severity, Status, Tier
from incidents.errors import NotFound
from incidents.models import Incident, IncidentType
from incidents.refs import normalise_ref as normalise_ref

_REF_SHAPE = "INC-<year>-<number>, e.g. INC-2026-0042"


def no_incident(ref: str) -> NotFound:
    """What every lookup answers for a reference that names no incident."""
    return NotFound(f"No incident {ref.strip()!r} ({_REF_SHAPE}).", field="ref")


def incident_to_show(ctx: Ctx, ref: str) -> Incident:
    """The incident with every part of its history loaded (for showing it); :class:`NotFound` if there is none."""
    return _one(ctx, ref, _HISTORY)


def incident_to_change(ctx: Ctx, ref: str) -> Incident:
    """The incident for a change: its small parts (types, roles, clocks, hand-offs) loaded, its history (timeline,
    updates, actions) left to load only if touched, so a verb costs the same on the thousandth entry as on the
    first. :class:`NotFound` if there is none."""
    return _one(ctx, ref, _WORKING_SET)


_WORKING_SET = (Incident.types, Incident.roles, Incident.clocks, Incident.handoffs)
_HISTORY = (*_WORKING_SET, Incident.timeline, Incident.severity_changes, Incident.updates, Incident.actions)


def _one(ctx: Ctx, ref: str, parts: tuple[Any, ...]) -> Incident:
    query = select(Incident).where(Incident.ref == normalise_ref(ref)).options(*(selectinload(p) for p in parts))
    incident = ctx.session.scalar(query)
    if incident is None:
        raise no_incident(ref)
    return incident


def find_by_channel(ctx: Ctx, channel_id: str) -> Incident | None:
    return ctx.session.scalar(
        select(Incident)
        .where(Incident.slack_channel_id == channel_id)
        .options(selectinload(Incident.types), selectinload(Incident.roles), selectinload(Incident.clocks))
    )


@dataclass(frozen=True)
class IncidentFilter:
    open_only: bool = False
    statuses: tuple[Status, ...] = ()
    severities: tuple[Severity, ...] = ()
    types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()
    text: str | None = None
    declared_from: datetime | None = None
    declared_to: datetime | None = None
    updated_since: datetime | None = None
    visible_to: str | None = None
    """A person key: only incidents that person may see (:class:`incidents.access.Act` ``SEE_INCIDENT``)."""
    seen_by: Who | None = None
    """Any viewer: only incidents it may see (an API key, the leadership group)."""
    titles_searched_for: Who | None = None
    """``text`` matches a title only where this viewer may read the incident's free text (the leadership group may
    know a restricted incident exists, but not find it by words of a title it is never shown)."""


def _filtered(query: Select[Incident], f: IncidentFilter) -> Select[Incident]:
    if f.open_only:
        query = query.where(Incident.status.in_(OPEN_STATUSES))
    if f.statuses:
        query = query.where(Incident.status.in_(f.statuses))
    if f.severities:
        query = query.where(Incident.severity.in_(f.severities))
    if f.regions:
        query = query.where(Incident.region.in_(f.regions))
    if f.tiers:
        query = query.where(Incident.tier.in_(f.tiers))
    if f.types:
        query = query.where(exists().where(IncidentType.incident_id == Incident.id, IncidentType.type.in_(f.types)))
    if f.text:
        pattern = "%" + f.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        in_title: ColumnElement[bool] = func.lower(Incident.title).like(pattern, escape="\\")
        readable = visible_clause(f.titles_searched_for, Act.SEE_ENTRIES) if f.titles_searched_for else None
        if readable is not None:
            in_title = and_(in_title, readable)
        query = query.where(or_(in_title, Incident.ref == f.text.upper()))
    if f.declared_from:
        query = query.where(Incident.declared_at >= f.declared_from)
    if f.declared_to:
        query = query.where(Incident.declared_at < f.declared_to)
    if f.updated_since:
        query = query.where(Incident.updated_at >= f.updated_since)
    for who in filter(None, (Who.person(f.visible_to) if f.visible_to is not None else None, f.seen_by)):
        seen = visible_clause(who)
        if seen is not None:
            query = query.where(seen)
    return query


def matching(f: IncidentFilter) -> Select[Incident]:
    """The incidents matching ``f``, as a query left unordered and unpaged for callers that order and page their
    own way (the intake API's change feed)."""
    return _filtered(select(Incident), f)


def list_incidents(ctx: Ctx, f: IncidentFilter | None = None, *, limit: int = 50, offset: int = 0) -> list[Incident]:
    """Incidents matching ``f``: open ones by severity then age, others newest first."""
    f = f or IncidentFilter()
    query = _filtered(select(Incident), f).options(selectinload(Incident.types), selectinload(Incident.roles))
    if f.open_only:
        query = query.order_by(Incident.severity, Incident.declared_at, Incident.id)
    else:
        query = query.order_by(Incident.declared_at.desc(), Incident.id.desc())
    return list(ctx.session.scalars(query.limit(limit).offset(offset)))


def count_incidents(ctx: Ctx, f: IncidentFilter | None = None) -> int:
    query = _filtered(select(Incident), f or IncidentFilter())
    return ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
