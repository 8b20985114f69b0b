"""Detect once, when text is written: every flush scans the free text of the rows it writes and stores where the
personal data sits beside it (the row's ``pii`` column), so a 10,000-entry review renders without re-detecting.

A model opts in by naming its free-text columns in ``__personal_text__``; the stored form is
``{"v": DETECTOR_VERSION, "f": {column: [[start, end, category], ...]}}``. Rows scanned by another detector
version (or never) are re-detected when read, until ``vigil redaction rescan`` stores the new result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from incidents.privacy.findings import DETECTOR_VERSION, Finding

PERSONAL_TEXT = "__personal_text__"


def watch(factory: sessionmaker[Session]) -> None:
    """Scan on every flush of sessions made by ``factory``."""
    event.listen(factory, "before_flush", _before_flush)


def detect(text: str) -> list[Finding]:
    """The detector, loaded on the first write or stale read: a command that only reads stored findings never pays
    for its import."""
    from incidents.privacy.detector import detect as detect_now

    return detect_now(text)


def personal_columns(row: object) -> tuple[str, ...]:
    return getattr(type(row), PERSONAL_TEXT, ())


def scan(row: Any, columns: Iterable[str] | None = None) -> None:
    """(Re)detect ``columns`` of ``row`` (all of its free-text columns by default) and store the result."""
    current = row.pii if is_current(row.pii) else None
    chosen = personal_columns(row) if current is None or columns is None else columns
    row.pii = scanned({column: getattr(row, column) for column in chosen}, current)


def scanned(texts: Mapping[str, str | None], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``pii`` of a row whose free-text columns hold ``texts`` (some of them, over its ``current`` scan): for
    rows inserted as plain values, which no flush sees, without making an ORM object of each to :func:`scan`."""
    found: dict[str, list[list[Any]]] = dict(current["f"]) if current else {}
    for column, text in texts.items():
        spans = detect(text or "")
        if spans:
            found[column] = [list(span) for span in spans]
        else:
            found.pop(column, None)
    return {"v": DETECTOR_VERSION, "f": found}


def is_current(pii: Mapping[str, Any] | None) -> bool:
    return pii is not None and pii.get("v") == DETECTOR_VERSION


def findings(pii: Mapping[str, Any] | None, column: str, text: str) -> list[Finding]:
    """Where personal data sits in ``text`` (the value of ``column``): as stored, or detected now when the row was
    never scanned, was scanned by another version, or was changed without a flush of this process."""
    if is_current(pii):
        assert pii is not None
        return [Finding(*span) for span in pii["f"].get(column, ())]
    return detect(text)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for row in chain(session.new, session.dirty):
        columns = personal_columns(row)
        if not columns:
            continue
        if row in session.new or not is_current(row.pii):
            scan(row)
            continue
        state = inspect(row)
        changed = [c for c in columns if state.attrs[c].history.has_changes()]
        if changed:
            scan(row, changed)
