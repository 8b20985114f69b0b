"""When things fall due. Pure functions of loaded rows and "now": no database, no clock of their own."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from incidents.models import Clock, Incident
from incidents.policy import Policy
from incidents.scheduling.config import Offset


def latest_slot(first: datetime, every: timedelta | None, now: datetime) -> datetime | None:
    """The last of ``first``, ``first + every``, ``first + 2 every``… at or before ``now`` (None before ``first``).

    Reminders that repeat are keyed by their slot, so however long Vigil was down, one reminder goes out for
    the latest missed slot rather than one per missed slot.
    """
    if now < first:
        return None
    if every is None:
        return first
    return first + every * ((now - first) // every)


def update_cadence(incident: Incident, policy: Policy) -> timedelta | None:
    minutes = policy.update_cadence_minutes(incident.severity)
    return timedelta(minutes=minutes) if minutes else None


def next_update_due(incident: Incident, policy: Policy) -> datetime | None:
    """When the next status update is due.

    The last update's promise holds (it may have asked for a custom interval) unless the severity changed after
    it: a severity change re-plans the next update from the new severity's cadence, counted from the change.
    With neither, the first update is due a cadence after the declaration. None: no update is expected (the
    severity has no cadence, or the incident is resolved or closed). Every surface that shows it asks here.
    """
    if not incident.status.is_open:
        return None
    last_update = max(incident.updates, key=lambda u: (u.at, u.id), default=None)
    last_change = max(incident.severity_changes, key=lambda c: (c.at, c.id), default=None)
    if last_update is not None and (last_change is None or last_update.at >= last_change.at):
        return last_update.next_update_due
    cadence = update_cadence(incident, policy)
    anchor = last_change.at if last_change is not None else incident.declared_at
    return anchor + cadence if cadence else None


def clock_reminder_points(clock: Clock, offsets: list[Offset]) -> list[datetime]:
    """Reminder moments strictly between the clock's start and its deadline: an offset that would fall before
    the clock started (24 h before a 1 h deadline) is skipped, and two offsets landing together remind once."""
    points = {offset.at(clock.trigger_at, clock.due_at) for offset in offsets}
    return sorted(p for p in points if clock.trigger_at < p < clock.due_at)


def latest_point(points: list[datetime], now: datetime) -> datetime | None:
    passed = [p for p in points if p <= now]
    return passed[-1] if passed else None


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def action_points(due_date: date, days_before: int) -> tuple[datetime, datetime]:
    """(when the owner is told it is due soon, when it becomes overdue): the due date is a whole UTC day."""
    return start_of(due_date - timedelta(days=days_before)), start_of(due_date + timedelta(days=1))


def worst_severity_rank(incident: Incident) -> int:
    """The worst severity the incident ever had: a SEV1 lowered to SEV3 was still a SEV1 for its responders."""
    return min([incident.severity.rank, *(c.to_severity.rank for c in incident.severity_changes)])
