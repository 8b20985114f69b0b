"""The review's chart: severity over time as an inline SVG, with status changes and status updates marked.

No script, no external resources, fixed colours with text labels (so it prints in black and white too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from incidents.enums import Severity

WIDTH, HEIGHT = 960, 250
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 46, 52
LABEL_WIDTH = 84
COLOURS = {
    Severity.SEV0: "#7f1d1d",
    Severity.SEV1: "#c2410c",
    Severity.SEV2: "#d97706",
    Severity.SEV3: "#2563eb",
    Severity.SEV4: "#64748b",
}
_STEPS = [timedelta(minutes=m) for m in (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160)]


@dataclass(frozen=True)
class ChartInput:
    start: datetime
    end: datetime
    severity_path: Sequence[tuple[datetime, Severity]]
    status_changes: Sequence[tuple[datetime, str]]
    updates: Sequence[datetime]


def severity_chart(data: ChartInput) -> Markup:
    start, end = data.start, max(data.end, data.start + timedelta(minutes=30))
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
    row_ends = [float("-inf"), float("-inf")]
    for moment, status in data.status_changes:
        px = x(moment)
        row = 0 if px >= row_ends[0] else 1
        anchor, tx = ("end", px - 3) if px > WIDTH - RIGHT - LABEL_WIDTH else ("start", px + 3)
        parts.append(
            f'<line x1="{px}" x2="{px}" y1="{TOP - 6 - 12 * row}" y2="{TOP + plot_h}" stroke="#94a3b8" '
            f'stroke-dasharray="3 3"/><text x="{tx}" y="{TOP - 10 - 12 * row}" text-anchor="{anchor}" '
            f'fill="#475569" font-size="11">{escape(status)}</text>'
        )
        row_ends[row] = max(row_ends[row], px + LABEL_WIDTH)
    path = list(data.severity_path)
    for index, (moment, severity) in enumerate(path):
        until = path[index + 1][0] if index + 1 < len(path) else end
        x1, x2, level = x(moment), x(until), y(severity)
        parts.append(
            f'<line x1="{x1}" x2="{x2}" y1="{level}" y2="{level}" stroke="{COLOURS[severity]}" stroke-width="6" '
            f'stroke-linecap="round"><title>{severity.value} from {moment:%Y-%m-%d %H:%M} UTC</title></line>'
        )
        if index + 1 < len(path):
            parts.append(
                f'<line x1="{x2}" x2="{x2}" y1="{level}" y2="{y(path[index + 1][1])}" stroke="#475569" '
                'stroke-width="1.5"/>'
            )
    base = TOP + plot_h + 1
    parts.extend(
        f'<path d="M{x(moment)} {base} l-4 7 h8 z" fill="#0f766e"><title>Status update at {moment:%H:%M} UTC'
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


def _ticks(start: datetime, end: datetime, x: Callable[[datetime], float], axis_y: float) -> list[str]:
    span = end - start
    step = next((s for s in _STEPS if span / s <= 8), _STEPS[-1])
    first = datetime.fromtimestamp(-(-start.timestamp() // step.total_seconds()) * step.total_seconds(), start.tzinfo)
    daily = step >= timedelta(days=1)
    out: list[str] = []
    moment, previous_day = first, None
    while moment <= end:
        px = x(moment)
        label = f"{moment:%d %b}" if daily else f"{moment:%H:%M}"
        if not daily and moment.date() != previous_day:
            label = f"{moment:%d %b} {label}"
        previous_day = moment.date()
        out.append(
            f'<line x1="{px}" x2="{px}" y1="{axis_y}" y2="{axis_y + 4}" stroke="#64748b"/>'
            f'<text x="{px}" y="{axis_y + 22}" text-anchor="middle" fill="#475569" font-size="11">{label}</text>'
        )
        moment += step
    return out


def _describe(data: ChartInput) -> str:
    steps = ", ".join(f"{s.value} at {m:%Y-%m-%d %H:%M}" for m, s in data.severity_path)
    return f"Severity: {steps} (UTC). {len(data.status_changes)} status changes, {len(data.updates)} status updates."
