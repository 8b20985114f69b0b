"""Where a clock stands at a moment: running, overdue, met or missed, and by how much.

Every surface that shows a clock (the Slack card, ``vigil show``, the web page, the API, the review) asks
:func:`clock_standing`, so they cannot disagree about a clock. The rule itself is the clock's own
(:attr:`~incidents.models.Clock.met`, :meth:`~incidents.models.Clock.is_overdue`): met when satisfied at or
before the deadline, overdue when still open after it. Queries that pick clocks in SQL (the trends' counts in
:func:`incidents.figures.clock_outcomes`, the list's overdue clocks in :mod:`incidents.listing`) state the same
rule in their WHERE and CASE clauses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from incidents.models import Clock


class ClockState(StrEnum):
    RUNNING = "running"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True)
class ClockStanding:
    clock: Clock
    state: ClockState
    margin: timedelta
    """Signed: positive is time to spare (met early, or left to run), negative is how late."""

    @property
    def settled(self) -> bool:
        """Satisfied, on time or not: the state no longer changes with time."""
        return self.state in (ClockState.MET, ClockState.MISSED)

    @property
    def late(self) -> bool:
        """Past its deadline, done or not: the states a reader must be warned about."""
        return self.state in (ClockState.OVERDUE, ClockState.MISSED)


def clock_standing(clock: Clock, now: datetime) -> ClockStanding:
    """The clock at ``now``: once satisfied, met or missed for good (measured at satisfaction); until then,
    running or overdue (measured at ``now``)."""
    if clock.satisfied_at is not None:
        state = ClockState.MET if clock.met else ClockState.MISSED
        return ClockStanding(clock, state, clock.due_at - clock.satisfied_at)
    state = ClockState.OVERDUE if clock.is_overdue(now) else ClockState.RUNNING
    return ClockStanding(clock, state, clock.due_at - now)
