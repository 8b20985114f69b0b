"""What resolving an incident would leave open: playbook steps neither done nor skipped, referrals still waiting on
the other process, regulatory clocks still running.

Resolving with any of them open is allowed (a referral may outlive its incident; a clock may be met elsewhere), but
never silently: :func:`incidents.lifecycle.change_status` refuses with :class:`WorkLeftOpen` unless the person
confirmed, and the timeline says what was left ("Resolved with 3 playbook steps, 1 referral and 1 clock open").
It is worked out here once; every way in (Slack, the terminal, the API) renders the same list. The list holds plain
values, not rows: a refusal outlives the unit of work that read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from incidents.errors import VigilError
from incidents.models import Incident
from incidents.policy import Policy
from incidents.referrals.service import kind_label, referrals_of
from incidents.tasks.models import TaskStatus
from incidents.tasks.service import tasks_of


@dataclass(frozen=True)
class OpenItem:
    """One thing left open, as people read it: ``text`` from the policy pack (no personal data)."""

    id: int
    text: str
    owner: str | None
    """The role a step or clock is for, or the person a referral is with."""
    due: datetime | date | None
    late: bool


@dataclass(frozen=True)
class LeftOpen:
    steps: tuple[OpenItem, ...] = ()
    referrals: tuple[OpenItem, ...] = ()
    clocks: tuple[OpenItem, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.steps or self.referrals or self.clocks)

    def summary(self) -> str:
        """ "3 playbook steps, 1 referral and 1 clock"."""
        counts = [
            _counted(len(items), noun)
            for items, noun in ((self.steps, "playbook step"), (self.referrals, "referral"), (self.clocks, "clock"))
            if items
        ]
        return " and ".join(filter(None, [", ".join(counts[:-1]), counts[-1]])) if counts else "nothing"

    def lines(self) -> list[str]:
        """One line each, for a terminal or an API message: "step #4 Notify the DSA contact (legal), due …"."""
        return [
            f"{kind} #{item.id} {item.text}{f' ({item.owner})' if item.owner else ''}{_due(item)}"
            for kind, items in (("step", self.steps), ("referral", self.referrals), ("clock", self.clocks))
            for item in items
        ]

    def as_data(self) -> dict[str, Any]:
        """For the timeline entry that records the resolve: the ids of what was left, by kind."""
        return {
            "steps": [s.id for s in self.steps],
            "referrals": [r.id for r in self.referrals],
            "clocks": [c.id for c in self.clocks],
        }


class WorkLeftOpen(VigilError):
    """Resolving would leave work open and nobody confirmed that it may: nothing was written. ``left`` is what is
    open, for the way in the person came by to list and ask about."""

    def __init__(self, ref: str, left: LeftOpen) -> None:
        super().__init__(
            f"{ref} still has {left.summary()} open: {'; '.join(left.lines())}. "
            "Resolving it needs a confirmation that they stay open.",
            field="confirmed",
        )
        self.ref, self.left = ref, left


def left_open(incident: Incident, policy: Policy, now: datetime) -> LeftOpen:
    """What would stay open if ``incident`` were resolved now."""
    return LeftOpen(
        steps=tuple(
            OpenItem(t.id, t.text, t.owner_role, t.due_at, t.is_late(now))
            for t in tasks_of(incident)
            if t.status is TaskStatus.OPEN
        ),
        referrals=tuple(
            OpenItem(
                r.id,
                f"{kind_label(policy, r.kind)}: {r.status.label.lower()}",
                r.owner,
                r.due_date,
                r.due_date is not None and r.due_date < now.date(),
            )
            for r in referrals_of(incident)
            if r.status.is_open
        ),
        clocks=tuple(
            OpenItem(c.id, c.name, c.owner_role, c.due_at, c.is_overdue(now))
            for c in incident.clocks
            if c.satisfied_at is None
        ),
    )


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _due(item: OpenItem) -> str:
    if item.due is None:
        return ""
    when = f"{item.due:%Y-%m-%d %H:%M} UTC" if isinstance(item.due, datetime) else item.due.isoformat()
    return f", due {when}{' (late)' if item.late else ''}"
