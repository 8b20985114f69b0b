"""Aggregate figures over many incidents, for leadership reports. Aggregates only: nothing here names a person or
shows an incident's content, so restricted incidents are counted like the others.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from incidents.context import Ctx
from incidents.enums import Severity
from incidents.models import Incident


@dataclass(frozen=True)
class ResolveTime:
    """Median time from declaration to resolution of the incidents of one severity resolved in one month."""

    month: date
    """First day of the month (UTC) in which the incidents were resolved."""
    severity: Severity
    resolved: int
    median: timedelta


def resolve_time_by_severity_month(ctx: Ctx, since: datetime | None = None) -> list[ResolveTime]:
    """Median time-to-resolve (``declared_at`` → ``resolved_at``) per month of resolution and current severity.

    Months are those of ``resolved_at`` so a past month's figure never changes as still-open incidents resolve.
    Incidents currently unresolved (open, or reopened) are left out. ``since`` keeps incidents resolved at or
    after it. Rows are ordered by month, then severity (SEV0 first).
    """
    if ctx.session.get_bind().dialect.name == "postgresql":
        rows = _postgresql(ctx, since)
    else:
        rows = _portable(ctx, since)
    return sorted(rows, key=lambda r: (r.month, r.severity.rank))


def _postgresql(ctx: Ctx, since: datetime | None) -> list[ResolveTime]:
    """The median is computed by the server (``percentile_cont``): one row per group crosses the wire."""
    month = func.date_trunc("month", func.timezone("UTC", Incident.resolved_at)).label("month")
    seconds = func.extract("epoch", Incident.resolved_at - Incident.declared_at)
    query = (
        select(month, Incident.severity, func.count(), func.percentile_cont(0.5).within_group(seconds))
        .where(Incident.resolved_at.is_not(None))
        .group_by(month, Incident.severity)
    )
    if since is not None:
        query = query.where(Incident.resolved_at >= since)
    return [
        ResolveTime(month=m.date(), severity=severity, resolved=count, median=timedelta(seconds=float(median)))
        for m, severity, count, median in ctx.session.execute(query)
    ]


def _portable(ctx: Ctx, since: datetime | None) -> list[ResolveTime]:
    """SQLite has no ordered-set aggregates, so the median is taken here; SQLite databases are small ones."""
    query = select(Incident.severity, Incident.declared_at, Incident.resolved_at).where(
        Incident.resolved_at.is_not(None)
    )
    if since is not None:
        query = query.where(Incident.resolved_at >= since)
    groups: dict[tuple[date, Severity], list[timedelta]] = defaultdict(list)
    for severity, declared_at, resolved_at in ctx.session.execute(query):
        resolved_utc = resolved_at.astimezone(UTC)
        groups[(date(resolved_utc.year, resolved_utc.month, 1), severity)].append(resolved_at - declared_at)
    return [
        ResolveTime(month=month, severity=severity, resolved=len(durations), median=statistics.median(durations))
        for (month, severity), durations in groups.items()
    ]
