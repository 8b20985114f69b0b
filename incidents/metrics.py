"""Aggregate figures over many incidents, for leadership reports. Aggregates only: nothing here names a person or
shows an incident's content, so restricted incidents are counted like the others.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text

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
    compute = _postgresql if ctx.session.get_bind().dialect.name == "postgresql" else _portable
    rows = compute(ctx, since)
    return sorted(rows, key=lambda r: (r.month, r.severity.rank))


_PG_QUERY = text(
    """
    SELECT s.severity, m.month, a.resolved, a.median
    FROM unnest(CAST(:severities AS varchar[])) AS s(severity)
    CROSS JOIN LATERAL (
        SELECT min(resolved_at) AS first, max(resolved_at) AS last
        FROM incidents WHERE severity = s.severity AND resolved_at >= :since
    ) AS span
    CROSS JOIN LATERAL generate_series(
        date_trunc('month', timezone('UTC', span.first)), timezone('UTC', span.last), interval '1 month'
    ) AS m(month)
    CROSS JOIN LATERAL (
        SELECT count(*) AS resolved, percentile_cont(0.5) WITHIN GROUP (ORDER BY resolved_at - declared_at) AS median
        FROM incidents
        WHERE severity = s.severity
          AND resolved_at >= greatest(timezone('UTC', m.month), :since)
          AND resolved_at < timezone('UTC', m.month + interval '1 month')
    ) AS a
    WHERE a.resolved > 0
    """
)


def _postgresql(ctx: Ctx, since: datetime | None) -> list[ResolveTime]:
    """The server computes each median (``percentile_cont``) over one (severity, month) range of the
    ``ix_incidents_severity_resolved`` index, so no step sorts every resolved incident at once."""
    params = {"severities": [s.value for s in Severity], "since": since or datetime.min.replace(tzinfo=UTC)}
    return [
        ResolveTime(month=month.date(), severity=Severity(severity), resolved=count, median=median)
        for severity, month, count, median in ctx.session.execute(_PG_QUERY, params)
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
