"""CSV for spreadsheets and BI tools: the incident list and the figures behind each trends chart.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) are prefixed with an
apostrophe, once bidirectional control characters are taken out (they would hide such a start, and reorder what a
spreadsheet shows). Times are ISO 8601 UTC; durations are minutes, so tools can aggregate them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from incidents import figures
from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.guards import without_bidi
from incidents.listing import IncidentRow

INCIDENT_HEADER = (
    "ref", "title", "severity", "status", "tier", "types", "region", "commander", "declared_at", "acknowledged_at",
    "mitigated_at", "resolved_at", "closed_at", "age_minutes", "overdue_clocks",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Trends:
    """Everything the trends page draws, for one period."""

    since: datetime
    until: datetime
    weekly: dict[figures.Dimension, list[figures.WeeklyCount]]
    response: list[figures.ResponseTime]
    clocks: list[figures.ClockCounts]
    actions: list[figures.OverdueActions]
    standard_only: bool
    """Whether restricted incidents were left out (for anyone outside the leadership group)."""

    @property
    def weeks(self) -> list[date]:
        first = self.since.date() - timedelta(days=self.since.weekday())
        return [first + timedelta(weeks=n) for n in range((self.until.date() - first).days // 7 + 1)]


def week_start(moment: datetime, weeks_back: int) -> datetime:
    """Midnight UTC on the Monday ``weeks_back - 1`` weeks before the week of ``moment``."""
    day = moment.astimezone(UTC).date()
    monday = day - timedelta(days=day.weekday(), weeks=weeks_back - 1)
    return datetime.combine(monday, time(), tzinfo=UTC)


def collect_trends(ctx: Ctx, weeks: int, *, standard_only: bool) -> Trends:
    """The trends of the last ``weeks`` weeks; ``standard_only`` leaves restricted incidents out of every figure
    (their counts by type, their clocks and their actions), for anyone outside the leadership group."""
    now = ctx.now()
    since = week_start(now, weeks)
    return Trends(
        since=since,
        until=now,
        weekly={d: figures.weekly_counts(ctx, d, since, now, standard_only=standard_only) for d in figures.DIMENSIONS},
        response=figures.response_times(ctx, since, standard_only=standard_only),
        clocks=figures.clock_outcomes(ctx, since, now, standard_only=standard_only),
        actions=figures.overdue_actions(ctx, now.date(), standard_only=standard_only),
        standard_only=standard_only,
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, timedelta):
        return f"{value.total_seconds() / 60:.1f}"
    text = without_bidi(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """CSV text a line at a time (RFC 4180, CRLF), for streaming responses and files alike."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _chain(header, rows):
        writer.writerow([_cell(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    yield header
    yield from rows


def incident_csv(rows: Iterable[IncidentRow]) -> Iterator[str]:
    return csv_lines(
        INCIDENT_HEADER,
        (
            (
                r.ref, r.title, r.severity.value, r.status.value, r.tier.value, ";".join(r.types), r.region,
                r.commander, r.declared_at, r.acknowledged_at, r.mitigated_at, r.resolved_at, r.closed_at, r.age,
                ";".join(r.overdue_clocks),
            )
            for r in rows
        ),
    )  # fmt: skip


def _weekly(dimension: figures.Dimension) -> Callable[[Trends], Iterator[str]]:
    def write(t: Trends) -> Iterator[str]:
        return csv_lines(("week", dimension, "incidents"), ((c.week, c.key, c.count) for c in t.weekly[dimension]))

    return write


def _response(t: Trends) -> Iterator[str]:
    header = ("measure", "month", "severity", "incidents", "median_minutes", "p90_minutes")
    return csv_lines(header, ((r.measure, r.month, r.severity.value, r.count, r.median, r.p90) for r in t.response))


def _clocks(t: Trends) -> Iterator[str]:
    return csv_lines(("regime", "met", "missed", "running"), ((c.regime, c.met, c.missed, c.running) for c in t.clocks))


def _actions(t: Trends) -> Iterator[str]:
    header = ("priority", "unfinished", "overdue")
    return csv_lines(header, ((a.priority.value, a.unfinished, a.overdue) for a in t.actions))


CHARTS: dict[str, tuple[str, Callable[[Trends], Iterator[str]]]] = {
    "weekly-severity": ("Incidents per week by severity", _weekly("severity")),
    "weekly-type": ("Incidents per week by type", _weekly("type")),
    "weekly-region": ("Incidents per week by region", _weekly("region")),
    "response-times": ("Median and p90 time to acknowledge, mitigate and resolve", _response),
    "clocks": ("Clocks met and missed per regime", _clocks),
    "overdue-actions": ("Corrective actions overdue", _actions),
}


def chart_csv(name: str, trends: Trends) -> Iterator[str]:
    if name not in CHARTS:
        raise VigilError(f"No chart {name!r}: use one of {', '.join(CHARTS)}.", field="chart")
    return CHARTS[name][1](trends)
