"""``/trends``: incidents per week, response times, clocks and overdue actions, as SVG charts with their figures.

Aggregates only: nothing names an incident or a person, so every signed-in user may read the page; but counts by
type would reveal that restricted incidents exist, so only viewers who may know them all (the leadership group:
:func:`incidents.access.counts_restricted`) have figures that include them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from markupsafe import Markup

from incidents import figures
from incidents.access import counts_restricted
from incidents.enums import Severity
from incidents.policy import Policy
from incidents.reviews.formatting import duration
from incidents.spreadsheets import CHARTS, Trends, collect_trends
from web.pages import params as read
from web.pages.base import Pages, SignedIn
from web.pages.charts import PALETTE, SEVERITY_COLOURS, Series, duration_lines, horizontal_bars, stacked_weeks

PERIODS = (13, 26, 52)
DEFAULT_WEEKS = 26
TOP_KEYS = 7
MET, LATE, WAITING = "#15803d", "#b91c1c", "#94a3b8"
MEASURE_TITLES = {"acknowledge": "Time to acknowledge", "mitigate": "Time to mitigate", "resolve": "Time to resolve"}


def parse_weeks(value: str | None) -> int:
    """The period asked for (:class:`web.pages.params.BadQuery` for anything but 13, 26 or 52)."""
    return read.one_of(value, "weeks", PERIODS, DEFAULT_WEEKS)


def _weekly_series(trends: Trends, dimension: figures.Dimension, policy: Policy) -> list[Series]:
    by_key: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for c in trends.weekly[dimension]:
        by_key[c.key][c.week] += c.count
    if dimension == "severity":
        return [Series(s.value, SEVERITY_COLOURS[s.value], by_key.get(s.value, {})) for s in Severity]
    ranked = sorted(by_key, key=lambda k: -sum(by_key[k].values()))
    shown, rest = ranked[:TOP_KEYS], ranked[TOP_KEYS:]
    other: dict[date, float] = defaultdict(float)
    for key in rest:
        for week, n in by_key[key].items():
            other[week] += n
    label = {name: t.label for name, t in policy.types.items()} if dimension == "type" else {}
    series = [Series(label.get(k, k), PALETTE[i], by_key[k]) for i, k in enumerate(shown)]
    return series + ([Series("Other", PALETTE[-1], other)] if rest else [])


def _months(trends: Trends) -> list[date]:
    first, last = trends.since.date().replace(day=1), trends.until.date().replace(day=1)
    months = [first]
    while months[-1] < last:
        m = months[-1]
        months.append(date(m.year + m.month // 12, m.month % 12 + 1, 1))
    return months


def trends_view(trends: Trends, policy: Policy) -> dict[str, Any]:
    weeks, months = trends.weeks, _months(trends)
    weekly = {
        d: stacked_weeks(f"Incidents per week by {d}", weeks, _weekly_series(trends, d, policy))
        for d in figures.DIMENSIONS
    }
    response: dict[str, Markup] = {}
    for measure in figures.MEASURES:
        rows = [r for r in trends.response if r.measure == measure]
        series: list[Series] = []
        for s in Severity:
            mine = [r for r in rows if r.severity is s]
            if mine:
                colour = SEVERITY_COLOURS[s.value]
                series.append(Series(s.value, colour, {r.month: r.median.total_seconds() for r in mine}))
                series.append(Series(s.value, colour, {r.month: r.p90.total_seconds() for r in mine}, dashed=True))
        response[measure] = duration_lines(MEASURE_TITLES[measure], months, series)
    clock_names = {name: c.name for name, c in policy.clocks.items()}
    clocks = horizontal_bars(
        "Clocks met and missed per regime",
        [
            (
                clock_names.get(c.regime, c.regime),
                [("Met", MET, c.met), ("Missed", LATE, c.missed), ("Running", WAITING, c.running)],
            )
            for c in trends.clocks
        ],
    )
    actions = horizontal_bars(
        "Unfinished corrective actions by priority",
        [
            (
                a.priority.value.capitalize(),
                [("Overdue", LATE, a.overdue), ("Not yet due", WAITING, a.unfinished - a.overdue)],
            )
            for a in trends.actions
        ],
    )
    return {
        "trends": trends,
        "weekly": weekly,
        "response": response,
        "response_rows": trends.response,
        "clock_chart": clocks,
        "clock_names": clock_names,
        "action_chart": actions,
        "measure_titles": MEASURE_TITLES,
        "charts": {name: title for name, (title, _) in CHARTS.items()},
        "duration": duration,
        "total": sum(c.count for c in trends.weekly["severity"]),
    }


def trends_router(pages: Pages) -> APIRouter:
    router = APIRouter()

    @router.get("/trends", include_in_schema=False)
    async def trends_page(request: Request, viewer: SignedIn) -> Response:
        weeks = parse_weeks(request.query_params.get("weeks"))

        def read() -> Trends:
            with pages.domain.unit() as ctx:
                return collect_trends(ctx, weeks, standard_only=not counts_restricted(viewer.who.kind))

        trends = await run_in_threadpool(read)
        view = trends_view(trends, pages.domain.policy)
        return pages.render(request, "trends.html.j2", weeks=weeks, periods=PERIODS, **view)

    return router
