"""Server-rendered SVG charts: readable without JavaScript, printable, and styled with presentation attributes
only (the pages' Content-Security-Policy allows no inline style). Every chart carries a title and a text
description for screen readers; the figures themselves are in the table under each chart and in its CSV."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 34, 30
INK, MUTED, GRID = "#0f172a", "#64748b", "#e2e8f0"
SEVERITY_COLOURS = {"SEV0": "#7f1d1d", "SEV1": "#c2410c", "SEV2": "#d97706", "SEV3": "#1d4ed8", "SEV4": "#94a3b8"}
PALETTE = ("#1d4ed8", "#0f766e", "#d97706", "#7c3aed", "#be123c", "#15803d", "#0891b2", "#94a3b8")
_TICKS = (
    60,
    300,
    900,
    1800,
    3600,
    7200,
    4 * 3600,
    12 * 3600,
    86400,
    2 * 86400,
    4 * 86400,
    7 * 86400,
    14 * 86400,
    30 * 86400,
)


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: Mapping[date, float]
    dashed: bool = False


def _svg(title: str, description: str, body: str, height: int = HEIGHT, width: int = WIDTH) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>{body}</svg>"
    )


def _legend(items: Sequence[tuple[str, str, str]], left: int = LEFT) -> str:
    """Keys along the top: ``(label, colour, "box" | "line" | "dash")``."""
    out, x = [], left
    for label, colour, kind in items:
        if kind == "box":
            mark = f'<rect x="{x}" y="8" width="12" height="12" rx="2" fill="{colour}"/>'
        else:
            dash = ' stroke-dasharray="4 3"' if kind == "dash" else ""
            mark = f'<line x1="{x}" y1="14" x2="{x + 12}" y2="14" stroke="{colour}" stroke-width="2"{dash}/>'
        out.append(f'{mark}<text x="{x + 17}" y="18" fill="{INK}">{escape(label)}</text>')
        x += 28 + 6 * len(label)
    return "".join(out)


def _nice_max(value: float) -> float:
    """A top for a count axis with four whole-number steps (0, 1, 2, 3, 4 or 0, 50, 100, 150, 200)."""
    step = max(value, 1) / 4
    magnitude: float = 10 ** math.floor(math.log10(step))
    return 4 * next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= max(step, 1))


def stacked_weeks(title: str, weeks: Sequence[date], series: Sequence[Series]) -> Markup:
    """One bar per week, stacked by series (bottom first)."""
    totals = [sum(s.values.get(w, 0) for s in series) for w in weeks]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(weeks), 1)
    parts = [_legend([(s.label, s.colour, "box") for s in series])]
    for n in range(5):
        value = top * n / 4
        y = TOP + plot_h - plot_h * n / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{value:g}</text>')
    for i, week in enumerate(weeks):
        x = LEFT + i * step + step * 0.15
        base: float = TOP + plot_h
        for s in series:
            count = s.values.get(week, 0)
            if count:
                h = plot_h * count / top
                base -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{base:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{s.colour}">'
                    f"<title>{week:%d %b %Y}: {escape(s.label)} {count:g}</title></rect>"
                )
        if i % max(1, len(weeks) // 9) == 0:
            parts.append(
                f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - 10}" text-anchor="middle" fill="{MUTED}">'
                f"{week:%d %b}</text>"
            )
    described = f"{len(weeks)} weeks from {weeks[0]:%d %b %Y}; at most {max(totals, default=0)} a week" if weeks else ""
    return _svg(title, described, "".join(parts))


def _log_y(seconds: float, low: float, high: float, plot_h: float) -> float:
    span = math.log(high) - math.log(low)
    return TOP + plot_h - plot_h * (math.log(max(seconds, low)) - math.log(low)) / span


def _tick_label(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def duration_lines(title: str, months: Sequence[date], series: Sequence[Series]) -> Markup:
    """Durations per month on a logarithmic axis (minutes to weeks fit one chart); dashed series are p90."""
    values = [v for s in series for v in s.values.values() if v > 0]
    low = max(60.0, min(values, default=60) / 1.5)
    high = max(low * 10, max(values, default=3600) * 1.3)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(months), 1)
    keys = [(s.label, s.colour, "line") for s in series if not s.dashed]
    parts = [_legend([*keys, ("median", INK, "line"), ("90th percentile", INK, "dash")])]
    for tick in (t for t in _TICKS if low <= t <= high):
        y = _log_y(tick, low, high, plot_h)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_tick_label(tick)}</text>'
        )
    for i, month in enumerate(months):
        parts.append(
            f'<text x="{LEFT + (i + 0.5) * step:.1f}" y="{HEIGHT - 10}" text-anchor="middle" fill="{MUTED}">'
            f"{month:%b %y}</text>"
        )
    for s in series:
        points = [
            (LEFT + (i + 0.5) * step, _log_y(s.values[m], low, high, plot_h))
            for i, m in enumerate(months)
            if m in s.values
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dash = ' stroke-dasharray="5 4"' if s.dashed else ""
            parts.append(f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="2"{dash}/>')
        if not s.dashed:
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{s.colour}"/>' for x, y in points)
    return _svg(title, f"{len(months)} months, logarithmic time axis", "".join(parts))


def horizontal_bars(title: str, rows: Sequence[tuple[str, Sequence[tuple[str, str, int]]]]) -> Markup:
    """One stacked horizontal bar per row: ``(label, [(part label, colour, count), ...])``. Drawn narrower than
    the other charts: these sit two to a row."""
    width, label_w, bar_h, gap = 520, 150, 18, 10
    height = TOP + len(rows) * (bar_h + gap) + 6
    top = _nice_max(max((sum(c for _, _, c in parts) for _, parts in rows), default=0))
    plot_w = width - label_w - RIGHT - 30
    legend = dict.fromkeys((name, colour) for _, parts in rows for name, colour, _ in parts)
    out = [_legend([(name, colour, "box") for name, colour in legend], left=8)]
    for i, (label, parts) in enumerate(rows):
        y = TOP + i * (bar_h + gap)
        short = label if len(label) <= 24 else label[:23] + "…"
        out.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" fill="{INK}">{escape(short)}'
            f"<title>{escape(label)}</title></text>"
        )
        x = float(label_w)
        for name, colour, count in parts:
            w = plot_w * count / top
            if count:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                    f"<title>{escape(label)}: {escape(name)} {count}</title></rect>"
                )
            x += w
        total = sum(c for _, _, c in parts)
        out.append(f'<text x="{x + 6:.1f}" y="{y + 13}" fill="{MUTED}">{total}</text>')
    return _svg(title, f"{len(rows)} rows", "".join(out), height=max(height, 60), width=width)
