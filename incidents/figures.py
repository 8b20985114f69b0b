"""Aggregate figures over many incidents, for leadership reports. Nothing here names a person or shows an
incident's content; still, counts by type reveal that restricted incidents exist, so the trends take
``standard_only`` and count only standard incidents for anyone outside the leadership group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Date, and_, case, cast, func, literal_column, select, text

from incidents.context import Ctx
from incidents.db import on_postgresql
from incidents.enums import ActionPriority, ActionStatus, Severity, Tier
from incidents.models import Action, Clock, Incident, IncidentType


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
    compute = _postgresql if on_postgresql(ctx.session) else _portable
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


def _median(durations: list[timedelta]) -> timedelta:
    """``statistics.median`` for durations (typeshed types it for numbers only): the middle one, or the mean of
    the middle two."""
    ordered = sorted(durations)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _portable(ctx: Ctx, since: datetime | None) -> list[ResolveTime]:
    """SQLite has no ordered-set aggregates, so the median is taken here; SQLite databases are small ones."""
    query = select(Incident.severity, Incident.declared_at, Incident.resolved_at).where(
        Incident.resolved_at.is_not(None)
    )
    if since is not None:
        query = query.where(Incident.resolved_at >= since)
    groups: dict[tuple[date, Severity], list[timedelta]] = defaultdict(list)
    for severity, declared_at, resolved_at in ctx.session.execute(query):
        assert resolved_at is not None  # the query keeps resolved incidents only
        resolved_utc = resolved_at.astimezone(UTC)
        groups[(date(resolved_utc.year, resolved_utc.month, 1), severity)].append(resolved_at - declared_at)
    return [
        ResolveTime(month=month, severity=severity, resolved=len(durations), median=_median(durations))
        for (month, severity), durations in groups.items()
    ]


# --- Trends: the figures behind the leadership web view's charts (and their CSV exports). ---------------------

Dimension = Literal["severity", "type", "region"]
Measure = Literal["acknowledge", "mitigate", "resolve"]
DIMENSIONS: tuple[Dimension, ...] = ("severity", "type", "region")
MEASURES: tuple[Measure, ...] = ("acknowledge", "mitigate", "resolve")
UNSPECIFIED = "unspecified"
_MEASURE_COLUMNS = {
    "acknowledge": Incident.acknowledged_at,
    "mitigate": Incident.mitigated_at,
    "resolve": Incident.resolved_at,
}


@dataclass(frozen=True)
class WeeklyCount:
    week: date
    """Monday (UTC) of the week in which the incidents were declared."""
    key: str
    """The severity, type or region; an incident with two types counts once under each."""
    count: int


@dataclass(frozen=True)
class ResponseTime:
    """Median and 90th percentile of one response measure for one severity, in the month it was reached."""

    measure: Measure
    month: date
    severity: Severity
    count: int
    median: timedelta
    p90: timedelta


@dataclass(frozen=True)
class ClockCounts:
    """Clocks of one regime started in the period, counted by their state at "now"
    (:func:`incidents.clocks.standing.clock_standing`): met (satisfied by the deadline), missed (satisfied late, or
    past due and still open: missed and overdue together) and running (open, not yet due)."""

    regime: str
    met: int
    missed: int
    running: int


@dataclass(frozen=True)
class OverdueActions:
    priority: ActionPriority
    unfinished: int
    overdue: int
    """Unfinished actions whose due date has passed."""


def _bucket(ctx: Ctx, column: Any, unit: Literal["week", "month"]) -> Any:
    """The UTC week (Monday) or month start of ``column`` as a date, computed by the database."""
    if on_postgresql(ctx.session):
        utc = func.timezone(literal_column("'UTC'"), column)
        return cast(func.date_trunc(literal_column(f"'{unit}'"), utc), Date)
    if unit == "week":  # SQLite keeps naive UTC text; 'weekday 0' moves to Sunday, then back to its Monday
        return func.date(column, "weekday 0", "-6 days", type_=Date)
    return func.date(column, "start of month", type_=Date)


def _standard_only(query: Any, standard_only: bool, incident_id: Any = None) -> Any:
    """``query`` limited to standard incidents when ``standard_only``; ``incident_id`` is the column that links
    the query's rows to their incident when they are not incidents themselves."""
    if not standard_only:
        return query
    if incident_id is not None:
        query = query.join(Incident, Incident.id == incident_id)
    return query.where(Incident.tier == Tier.STANDARD)


def weekly_counts(
    ctx: Ctx, dimension: Dimension, since: datetime, until: datetime, *, standard_only: bool = False
) -> list[WeeklyCount]:
    """Incidents declared in ``[since, until)`` per week and ``dimension``, ordered by week then key. Counts
    only: nothing names an incident."""
    week = _bucket(ctx, Incident.declared_at, "week")
    key: Any = {"severity": Incident.severity, "region": Incident.region, "type": IncidentType.type}[dimension]
    query = select(week, key, func.count()).where(Incident.declared_at >= since, Incident.declared_at < until)
    if dimension == "type":
        query = query.join(IncidentType, IncidentType.incident_id == Incident.id)
    rows = ctx.session.execute(_standard_only(query, standard_only).group_by(text("1"), text("2")))
    counts = [
        WeeklyCount(_as_date(w), str(k.value if isinstance(k, Severity) else k or UNSPECIFIED), n) for w, k, n in rows
    ]
    return sorted(counts, key=lambda c: (c.week, c.key))


def response_times(ctx: Ctx, since: datetime, *, standard_only: bool = False) -> list[ResponseTime]:
    """Median and p90 time from declaration to acknowledgement, mitigation and resolution, per current severity
    and month in which that point was reached (so a past month's figure never changes), from ``since`` on.
    PostgreSQL computes both percentiles in one sort per group (``percentile_cont`` over an array); elsewhere
    they are computed here, with the same definition."""
    postgres = on_postgresql(ctx.session)
    if postgres:  # each month's sort fits in memory instead of spilling to disk (this transaction only)
        ctx.session.execute(text("SET LOCAL work_mem = '32MB'"))
    out: list[ResponseTime] = []
    for measure in MEASURES:
        reached = _MEASURE_COLUMNS[measure]
        month = _bucket(ctx, reached, "month")
        where = (reached.is_not(None), reached >= since)
        if postgres:
            seconds = func.extract("epoch", reached - Incident.declared_at)
            both = func.percentile_cont(literal_column("ARRAY[0.5, 0.9]")).within_group(seconds)
            query = select(Incident.severity, month, func.count(), both).where(*where)
            query = _standard_only(query, standard_only).group_by(text("1"), text("2"))
            for severity, start, n, (median, p90) in ctx.session.execute(query):
                out.append(ResponseTime(measure, _as_date(start), Severity(severity), n, _secs(median), _secs(p90)))
            continue
        groups: dict[tuple[Severity, date], list[float]] = defaultdict(list)
        for severity, start, end, declared in ctx.session.execute(
            _standard_only(select(Incident.severity, month, reached, Incident.declared_at).where(*where), standard_only)
        ):
            groups[(severity, _as_date(start))].append((end - declared).total_seconds())
        for (severity, start), values in groups.items():
            out.append(
                ResponseTime(
                    measure,
                    start,
                    severity,
                    len(values),
                    _secs(_percentile(values, 0.5)),
                    _secs(_percentile(values, 0.9)),
                )
            )
    return sorted(out, key=lambda r: (MEASURES.index(r.measure), r.month, r.severity.rank))


def clock_outcomes(ctx: Ctx, since: datetime, now: datetime, *, standard_only: bool = False) -> list[ClockCounts]:
    """Per regime, the clocks triggered since ``since``: met, missed or still running at ``now``.

    The CASEs state :func:`incidents.clocks.standing.clock_standing`'s rule in SQL, so the database counts what every
    surface shows: met is satisfied at or before the deadline (``satisfied <= due``), missed is satisfied after it
    or still open past it (``now > due``), running is still open at or before it. A test holds the two equal.
    """
    satisfied, due = Clock.satisfied_at, Clock.due_at
    met = func.sum(case((and_(satisfied.is_not(None), satisfied <= due), 1), else_=0))
    missed = func.sum(case((satisfied > due, 1), (and_(satisfied.is_(None), due < now), 1), else_=0))
    running = func.sum(case((and_(satisfied.is_(None), due >= now), 1), else_=0))
    query = select(Clock.regime, met, missed, running).where(Clock.trigger_at >= since)
    query = _standard_only(query, standard_only, Clock.incident_id).group_by(Clock.regime)
    return [
        ClockCounts(r, int(m or 0), int(x or 0), int(o or 0))
        for r, m, x, o in ctx.session.execute(query.order_by(Clock.regime))
    ]


def overdue_actions(ctx: Ctx, today: date, *, standard_only: bool = False) -> list[OverdueActions]:
    """Unfinished corrective actions per priority and how many are past their due date, on ``today`` (UTC)."""
    overdue = func.sum(case((and_(Action.due_date.is_not(None), Action.due_date < today), 1), else_=0))
    unfinished = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    query = select(Action.priority, func.count(), overdue).where(Action.status.in_(unfinished))
    query = _standard_only(query, standard_only, Action.incident_id).group_by(Action.priority)
    found = {priority: (n, int(late or 0)) for priority, n, late in ctx.session.execute(query)}
    return [OverdueActions(p, *found.get(p, (0, 0))) for p in ActionPriority]


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)


def _secs(value: float | Decimal | None) -> timedelta:
    return timedelta(seconds=round(float(value or 0)))


def _percentile(values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks: the same definition as PostgreSQL's ``percentile_cont``."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
