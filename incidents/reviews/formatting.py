"""How times, durations and free text read in a review (UTC everywhere, no locale surprises)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

DASH = "—"
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else DASH


def short(moment: datetime | None) -> str:
    return f"{moment:%d %b %H:%M}" if moment else DASH


def day(value: date | None) -> str:
    return value.isoformat() if value else DASH


def duration(delta: timedelta | None) -> str:
    """Compact and unambiguous: "45s", "12m", "3h 05m", "2d 04h"."""
    if delta is None:
        return DASH
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def since(moment: datetime, anchor: datetime) -> str:
    delta = moment - anchor
    sign = "\u2212" if delta < timedelta(0) else "+"
    return sign + duration(delta)


def items(text: str) -> tuple[str, ...]:
    """A list field (one item a line; "-", "*", "•" or "1." bullets dropped)."""
    return tuple(cleaned for line in text.splitlines() if (cleaned := _BULLET.sub("", line).strip()))


def paragraphs(text: str) -> tuple[str, ...]:
    """Prose: paragraphs split on blank lines, line breaks inside a paragraph joined."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return tuple(" ".join(block.split()) for block in blocks if block.strip())
