"""Human references ``INC-<year>-<NNNN>``: unique and gap-free even under concurrent declares.

The counter row is bumped with an ``UPDATE ... RETURNING`` inside the declaring transaction. PostgreSQL's row
lock queues concurrent declarers on it; SQLite's ``BEGIN IMMEDIATE`` serialises writers. A declare that rolls
back rolls its numbers back too, so numbers have no gaps.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from incidents.models import RefCounter

REF_LENGTH_MAX = 20
"""A reference is ``INC-<year>-<number>``; anything longer is none (and is cut to this in what is recorded)."""


def normalise_ref(ref: str) -> str:
    """A reference as stored: upper case, without surrounding space, control or format characters (a NUL, which
    PostgreSQL refuses in text, makes a lookup miss instead of fail; a right-to-left override is not echoed)."""
    cleaned = "".join(c for c in ref if unicodedata.category(c) not in ("Cc", "Cf"))
    return cleaned.strip().upper()


def hold_counter(session: Session, year: int) -> None:
    """Lock the year's counter now, for a declarer that must also lock a row another declarer locks after taking its
    references (a signal group's): everyone then takes the counter first, so neither waits for the other in a
    circle. Nothing to lock before the year's first reference (that declarer creates the row)."""
    session.execute(select(RefCounter.year).where(RefCounter.year == year).with_for_update())


def take_refs(session: Session, year: int, count: int) -> list[str]:
    """The next ``count`` references of ``year``, in order, taken with one bump of the counter."""
    bump = update(RefCounter).where(RefCounter.year == year).values(last_value=RefCounter.last_value + count)
    last = session.scalar(bump.returning(RefCounter.last_value))
    if last is None:
        try:
            with session.begin_nested():
                session.execute(insert(RefCounter).values(year=year, last_value=0))
        except IntegrityError:
            pass  # another declarer created this year's counter first; bump theirs
        last = session.scalar(bump.returning(RefCounter.last_value))
    assert last is not None
    return [f"INC-{year}-{value:04d}" for value in range(last - count + 1, last + 1)]
