"""Query values as the pages read them: every one through these few functions, which refuse what they cannot read
with :class:`BadQuery` (answered 400 with the error page), never with a crash.

Anyone can put anything in a URL: Unicode digits (``'²'.isdigit()`` is true, ``int('²')`` raises), numbers of
thousands of digits, the calendar's last day (one day more overflows), NUL characters (which PostgreSQL refuses
in text). The pages that report a filter they cannot read beside the list (rather than refusing the page) catch
:class:`BadQuery` and show its message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta

from incidents.errors import VigilError

_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
"""ASCII digits only (``str.isdigit`` and ``int`` accept other scripts' digits), and few enough to be a page."""
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadQuery(VigilError):
    """A query value the page cannot read; the message says which and what it takes."""


def text(value: str | None, *, limit: int = 100) -> str:
    """Free text from the query (a search): without control characters, trimmed, at most ``limit`` characters."""
    if not value:
        return ""
    cleaned = "".join(c for c in value[: limit * 2] if unicodedata.category(c) not in ("Cc", "Cf"))
    return cleaned.strip()[:limit]


def whole_number(value: str, name: str, *, lowest: int = 0, highest: int = 10**9) -> int:
    """A whole number written in ASCII digits, between ``lowest`` and ``highest``."""
    if not _WHOLE_NUMBER.fullmatch(value) or not lowest <= int(value) <= highest:
        raise BadQuery(f"{name} must be a whole number from {lowest} to {highest}.", field=name)
    return int(value)


def one_of(value: str | None, name: str, choices: Collection[int], default: int) -> int:
    """One of a few whole numbers (a period in weeks); ``default`` when the query leaves it out."""
    if value is None or value == "":
        return default
    if not _WHOLE_NUMBER.fullmatch(value) or int(value) not in choices:
        listed = sorted(choices)
        spelled = ", ".join(str(c) for c in listed[:-1]) + f" or {listed[-1]}" if len(listed) > 1 else str(listed[0])
        raise BadQuery(f"{name} must be {spelled}.", field=name)
    return int(value)


def day(value: str, name: str) -> date:
    """A day written YYYY-MM-DD (ASCII digits, as a date field sends it)."""
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{text(value, limit=40)!r} is not a date (use YYYY-MM-DD).", field=name) from None


def start_of(d: date) -> datetime:
    """Midnight UTC at the start of ``d``."""
    return datetime.combine(d, time(), tzinfo=UTC)


def end_of(d: date) -> datetime | None:
    """Midnight UTC after ``d`` (an exclusive bound); None after the calendar's last day: nothing is later."""
    return start_of(d + timedelta(days=1)) if d < date.max else None
