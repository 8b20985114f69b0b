"""The review's chart: severity over time as an inline SVG, with status changes and status updates marked.

No script, no external resources, fixed colours with text labels (so it prints in black and white too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from markupsafe import Markup, escape

from incidents.enums import Severity

WIDTH, HEIGHT = 960, 250
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 52, 52
LABEL_SIZE = 11
LABEL_GAP = 12
"""Room left between two labels on one line, in the chart's units."""
STATUS_ROWS = 3
ROW_HEIGHT = 14
"""Status labels' rows above the plot: a line of 11-unit text is about 13 units tall from ascent to descent."""
MIN_SPAN = timedelta(seconds=10)
"""The axis spans the incident itself; an incident shorter than this is drawn over this long, so that its marks
do not pile up on one point."""
COLOURS = {
    Severity.SEV0: "#7f1d1d",
    Severity.SEV1: "#c2410c",
    Severity.SEV2: "#d97706",
    Severity.SEV3: "#2563eb",
    Severity.SEV4: "#64748b",
}
_SECOND, _MINUTE, _HOUR, _DAY = (timedelta(seconds=n) for n in (1, 60, 3600, 86400))
_STEPS = (
    *(_SECOND * n for n in (1, 2, 5, 10, 15, 30)),
    *(_MINUTE * n for n in (1, 2, 5, 10, 15, 30)),
    *(_HOUR * n for n in (1, 2, 3, 6, 12)),
    *(_DAY * n for n in (1, 2, 7, 14, 28, 91, 364)),
)
"""Tick spacings, finest first: the finest whose labels fit side by side is used."""


@dataclass(frozen=True)
class ChartInput:
    start: datetime
    end: datetime
    severity_path: Sequence[tuple[datetime, Severity]]
    status_changes: Sequence[tuple[datetime, str]]
    updates: Sequence[datetime]


def severity_chart(data: ChartInput) -> Markup:
    """The time axis runs from declaration to the incident's end (or now), however short: a 19-second incident
    fills the width with second ticks, a month-long one with weekly ones."""
    start, end = data.start, max(data.end, data.start + MIN_SPAN)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        clamped = min(max(moment, start), end)
        return round(LEFT + plot_w * (clamped - start).total_seconds() / span, 1)

    def y(severity: Severity) -> float:
        return round(TOP + plot_h * (severity.rank + 0.5) / len(Severity), 1)

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart" font-family="system-ui, sans-serif" font-size="12">',
        '<title id="chart-title">Severity over time</title>',
        f'<desc id="chart-desc">{escape(_describe(data))}</desc>',
    ]
    for severity in Severity:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(severity)}" y2="{y(severity)}" stroke="#e2e8f0"/>'
            f'<text x="{LEFT - 10}" y="{y(severity) + 4}" text-anchor="end" fill="#334155">{severity.value}</text>'
        )
    parts.extend(_ticks(start, end, x, TOP + plot_h))
    parts.extend(_status_marks(data.status_changes, x, TOP + plot_h))
    path = list(data.severity_path)
    for index, (moment, severity) in enumerate(path):
        until = path[index + 1][0] if index + 1 < len(path) else end
        x1, x2, level = x(moment), x(until), y(severity)
        parts.append(
            f'<line x1="{x1}" x2="{x2}" y1="{level}" y2="{level}" stroke="{COLOURS[severity]}" stroke-width="6" '
            f'stroke-linecap="round"><title>{severity.value} from {moment:%Y-%m-%d %H:%M:%S} UTC</title></line>'
        )
        if index + 1 < len(path):
            parts.append(
                f'<line x1="{x2}" x2="{x2}" y1="{level}" y2="{y(path[index + 1][1])}" stroke="#475569" '
                'stroke-width="1.5"/>'
            )
    base = TOP + plot_h + 1
    parts.extend(
        f'<path d="M{x(moment)} {base} l-4 7 h8 z" fill="#0f766e"><title>Status update at {moment:%H:%M:%S} UTC'
        "</title></path>"
        for moment in data.updates
    )
    legend_y = HEIGHT - 8
    parts.append(
        f'<path d="M{LEFT} {legend_y - 9} l-4 7 h8 z" fill="#0f766e"/>'
        f'<text x="{LEFT + 8}" y="{legend_y}" fill="#334155">status update</text>'
        f'<line x1="{LEFT + 110}" x2="{LEFT + 130}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="#94a3b8" '
        f'stroke-dasharray="3 3"/><text x="{LEFT + 136}" y="{legend_y}" fill="#334155">status change</text>'
        "</svg>"
    )
    return Markup("".join(parts))


@dataclass(frozen=True)
class _Label:
    """A line of text placed at ``at``: its box on the x axis decides whether it collides with another."""

    at: float
    text: str
    anchor: str = "middle"

    @property
    def left(self) -> float:
        offset = {"start": 0.0, "middle": 0.5, "end": 1.0}[self.anchor]
        return self.at - offset * _text_width(self.text)

    @property
    def right(self) -> float:
        return self.left + _text_width(self.text)

    def kept_inside(self) -> _Label:
        """Anchored at its end or start instead of its middle where the middle would push it off the chart."""
        if self.right > WIDTH - 2:
            return replace(self, anchor="end")
        if self.left < 2:
            return replace(self, anchor="start")
        return self


def _text_width(text: str) -> float:
    """A generous estimate of the width of a label in a sans-serif face (digits are 0.55-0.64 em in the usual
    ones), so labels judged apart here are apart in the browser."""
    return len(text) * LABEL_SIZE * 0.66


def _tick_labels(start: datetime, end: datetime, step: timedelta, x: Callable[[datetime], float]) -> list[_Label]:
    """Labels at each multiple of ``step`` (UTC) within the span: seconds shown when the step is under a minute,
    the date on the first label and wherever the day changes, the date alone for steps of a day or more."""
    seconds = step.total_seconds()
    moment = datetime.fromtimestamp(-(-start.timestamp() // seconds) * seconds, start.tzinfo)
    clock = "%H:%M:%S" if step < _MINUTE else "%H:%M"
    labels: list[_Label] = []
    previous_day = None
    while moment <= end:
        if step >= _DAY:
            text = f"{moment:%d %b}"
        else:
            text = f"{moment:{clock}}" if moment.date() == previous_day else f"{moment:%d %b} {moment:{clock}}"
        previous_day = moment.date()
        labels.append(_Label(x(moment), text).kept_inside())
        moment += step
    return labels


def _apart(labels: Sequence[_Label]) -> bool:
    return all(b.left - a.right >= LABEL_GAP for a, b in pairwise(labels))


def _ticks(start: datetime, end: datetime, x: Callable[[datetime], float], axis_y: float) -> list[str]:
    """The finest tick spacing whose labels all fit side by side."""
    most = (WIDTH - LEFT - RIGHT) / (_text_width("00:00") + LABEL_GAP)
    candidates = (s for s in _STEPS if (end - start) / s <= most)
    labels = next((ls for s in candidates if _apart(ls := _tick_labels(start, end, s, x))), [])
    return [
        f'<line x1="{label.at}" x2="{label.at}" y1="{axis_y}" y2="{axis_y + 4}" stroke="#64748b"/>'
        f'<text x="{label.at}" y="{axis_y + 22}" text-anchor="{label.anchor}" fill="#475569" '
        f'font-size="{LABEL_SIZE}">{label.text}</text>'
        for label in labels
    ]


def _status_marks(changes: Sequence[tuple[datetime, str]], x: Callable[[datetime], float], axis_y: float) -> list[str]:
    """A dashed line at each status change, labelled above the plot on the first of :data:`STATUS_ROWS` rows
    where the label clears the one before it. A change with no clear row is named on the label placed last
    ("mitigated, resolved") if that still clears its neighbour, else only in its line's tooltip: labels never
    overlap."""
    rows: list[list[_Label]] = [[] for _ in range(STATUS_ROWS)]
    out: list[str] = []
    last_row: int | None = None
    for moment, status in changes:
        at = x(moment)
        label = _Label(at + 3, status, "start")
        if label.right > WIDTH - 2:
            label = _Label(at - 3, status, "end")
        row = next((n for n, placed in enumerate(rows) if _clears(placed, label)), None)
        if row is not None:
            rows[row].append(label)
            last_row = row
        elif last_row is not None:
            row = last_row
            *before, last = rows[row]
            joined = _Label(last.at, f"{last.text}, {status}", last.anchor)
            if _clears(before, joined):
                rows[row][-1] = joined
        out.append(
            f'<line x1="{at}" x2="{at}" y1="{TOP - 6 - ROW_HEIGHT * (row or 0)}" y2="{axis_y}" stroke="#94a3b8" '
            f'stroke-dasharray="3 3"><title>{escape(status)} at {moment:%Y-%m-%d %H:%M:%S} UTC</title></line>'
        )
    out.extend(
        f'<text x="{label.at}" y="{TOP - 10 - ROW_HEIGHT * row}" text-anchor="{label.anchor}" fill="#475569" '
        f'font-size="{LABEL_SIZE}">{escape(label.text)}</text>'
        for row, placed in enumerate(rows)
        for label in placed
    )
    return out


def _clears(row: Sequence[_Label], label: _Label) -> bool:
    """``label`` fits after the last label of ``row`` (labels are placed left to right) and inside the chart."""
    return label.right <= WIDTH - 2 and (not row or label.left - row[-1].right >= LABEL_GAP / 2)


def _describe(data: ChartInput) -> str:
    steps = ", ".join(f"{s.value} at {m:%Y-%m-%d %H:%M}" for m, s in data.severity_path)
    return f"Severity: {steps} (UTC). {len(data.status_changes)} status changes, {len(data.updates)} status updates."
