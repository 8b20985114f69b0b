"""The scheduler's heartbeat: find every reminder that has fallen due by "now" and record it once.

:func:`tick` is the whole of the time-driven behaviour that does not hang on a wall-clock boundary. It reads the
database, takes "now" from the domain's time source, and is safe to run as often as wanted: a nudge already recorded
is never recorded again, so the APScheduler interval only decides how late a reminder may be, never whether it
is sent twice. Missed ticks need no catching up: each finder looks at the latest slot only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from incidents.context import Ctx, Domain
from incidents.enums import OPEN_STATUSES, ActionStatus, HandoffState, Severity, Status
from incidents.models import Action, Clock, Handoff, Incident, RoleAssignment, TimelineEntry
from incidents.referrals.service import referral_reminders
from incidents.reviews.models import Review, ReviewStatus
from incidents.scheduling import plan
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.models import Nudge, NudgeKind
from incidents.scheduling.nudges import Due, record_due
from incidents.tasks.service import task_reminders

LONG_SHIFT_SEVERITIES = (Severity.SEV0, Severity.SEV1)
HOUR = timedelta(hours=1)


def tick(domain: Domain, config: SchedulingSettings) -> list[Nudge]:
    """One pass over everything time-driven, in one unit of work (run again if it met another writer). Returns
    the nudges recorded by this pass."""
    return domain.run(lambda ctx: record_due(ctx, find_due(ctx, config)))


def find_due(ctx: Ctx, config: SchedulingSettings) -> Iterator[Due]:
    now = ctx.now()
    yield from _status_updates(ctx, now)
    yield from _clocks(ctx, config, now)
    yield from _actions(ctx, config, now)
    yield from task_reminders(ctx, now)
    yield from referral_reminders(ctx, now)
    yield from _reviews(ctx, config, now)
    yield from _handoff_escalations(ctx, config, now)
    yield from _long_shifts(ctx, config, now)
    yield from _checkins(ctx, config, now)


def _status_updates(ctx: Ctx, now: datetime) -> Iterator[Due]:
    """Open incidents whose next update is overdue: the commander and deputy, again every cadence."""
    incidents = ctx.session.scalars(
        select(Incident)
        .where(Incident.status.in_(OPEN_STATUSES))
        .options(selectinload(Incident.roles), selectinload(Incident.updates), selectinload(Incident.severity_changes))
    )
    for incident in incidents:
        due = plan.next_update_due(incident, ctx.policy)
        if due is None:
            continue
        slot = plan.latest_slot(due, plan.update_cadence(incident, ctx.policy), now)
        if slot is None:
            continue
        yield Due(
            NudgeKind.UPDATE_DUE,
            f"incident:{incident.id}",
            slot,
            incident.id,
            [*incident.current_holders("commander"), *incident.current_holders("deputy")],
            {"due_at": due.isoformat(), "severity": incident.severity.value},
        )


def _clocks(ctx: Ctx, config: SchedulingSettings, now: datetime) -> Iterator[Due]:
    """Running clocks: the latest reminder point passed before the deadline, then one overdue escalation.

    Clocks outlive their incident's resolution (a legal duty does not end with the incident), so closed
    incidents' clocks still remind."""
    clocks = ctx.session.scalars(
        select(Clock)
        .where(Clock.satisfied_at.is_(None))
        .options(selectinload(Clock.incident).selectinload(Incident.roles))
    )
    offsets = config.offsets
    for clock in clocks:
        incident = clock.incident
        owners = incident.current_holders(clock.owner_role)
        details = {"clock_id": clock.id, "name": clock.name, "due_at": clock.due_at.isoformat()}
        if clock.is_overdue(now):
            recipients = [*incident.current_holders("commander"), *owners, *incident.current_holders("legal")]
            yield Due(NudgeKind.CLOCK_OVERDUE, f"clock:{clock.id}", clock.due_at, incident.id, recipients, details)
            continue
        point = plan.latest_point(plan.clock_reminder_points(clock, offsets), now)
        if point is not None:
            recipients = owners or incident.current_holders("commander")
            yield Due(NudgeKind.CLOCK_REMINDER, f"clock:{clock.id}", point, incident.id, recipients, details)


def _actions(ctx: Ctx, config: SchedulingSettings, now: datetime) -> Iterator[Due]:
    """Unfinished actions with an owner and a due date: one DM before the date, one once it has passed."""
    horizon = now.date() + timedelta(days=config.action_reminder_days)
    actions = ctx.session.scalars(
        select(Action)
        .where(
            Action.status.in_((ActionStatus.OPEN, ActionStatus.IN_PROGRESS)),
            Action.owner.is_not(None),
            Action.due_date.is_not(None),
            Action.due_date <= horizon,
        )
        .options(selectinload(Action.incident))
    )
    for action in actions:
        assert action.due_date is not None and action.owner is not None
        soon, overdue = plan.action_points(action.due_date, config.action_reminder_days)
        details = {"action_id": action.id, "title": action.title, "due_date": action.due_date.isoformat()}
        subject = f"action:{action.id}"
        if now >= overdue:
            yield Due(NudgeKind.ACTION_OVERDUE, subject, overdue, action.incident_id, [action.owner], details)
        elif now >= soon:
            yield Due(NudgeKind.ACTION_DUE_SOON, subject, soon, action.incident_id, [action.owner], details)


def _reviews(ctx: Ctx, config: SchedulingSettings, now: datetime) -> Iterator[Due]:
    """Resolved incidents needing a review not yet published: the owner, from N days after resolution."""
    severities = [s for s in config.review_due_days if ctx.policy.severities[s].review_required]
    rows = ctx.session.execute(
        select(Incident, Review)
        .outerjoin(Review, Review.incident_id == Incident.id)
        .where(
            Incident.status.in_((Status.RESOLVED, Status.CLOSED)),
            Incident.resolved_at.is_not(None),
            Incident.severity.in_(severities),
            (Review.id.is_(None)) | (Review.status != ReviewStatus.PUBLISHED),
        )
        .options(selectinload(Incident.roles))
    )
    every = timedelta(days=config.review_remind_every_days)
    for incident, review in rows:
        assert incident.resolved_at is not None
        first = incident.resolved_at + timedelta(days=config.review_due_days[incident.severity])
        slot = plan.latest_slot(first, every, now)
        owner = review.owner if review is not None and review.owner else incident.commander
        if slot is None or owner is None:
            continue
        details = {"review": review.status.value if review else None, "resolved_at": incident.resolved_at.isoformat()}
        yield Due(NudgeKind.REVIEW_DUE, f"incident:{incident.id}", slot, incident.id, [owner], details)


def _handoff_escalations(ctx: Ctx, config: SchedulingSettings, now: datetime) -> Iterator[Due]:
    """Hand-offs still pending after the configured time: the deputy is asked to step in."""
    wait = timedelta(minutes=config.handoff_escalate_minutes)
    handoffs = ctx.session.scalars(
        select(Handoff)
        .join(Incident)
        .where(
            Handoff.state == HandoffState.PENDING,
            Handoff.requested_at <= now - wait,
            Incident.status.in_(OPEN_STATUSES),
        )
        .options(selectinload(Handoff.incident).selectinload(Incident.roles))
    )
    for handoff in handoffs:
        incident = handoff.incident
        deputies = incident.current_holders("deputy")
        details = {"handoff_id": handoff.id, "to": handoff.to_person, "from": handoff.from_person}
        yield Due(
            NudgeKind.HANDOFF_ESCALATION,
            f"handoff:{handoff.id}",
            handoff.requested_at + wait,
            incident.id,
            deputies or incident.current_holders("commander"),
            {**details, "has_deputy": bool(deputies)},
        )


def _long_shifts(ctx: Ctx, config: SchedulingSettings, now: datetime) -> Iterator[Due]:
    """Commanders holding an open SEV0/1 for more than N hours: a private prompt to rotate, every N hours."""
    shift = timedelta(hours=config.rotate_after_hours)
    rows = ctx.session.execute(
        select(RoleAssignment, Incident)
        .join(Incident)
        .where(
            RoleAssignment.role == "commander",
            RoleAssignment.relieved_at.is_(None),
            RoleAssignment.assigned_at <= now - shift,
            Incident.status.in_(OPEN_STATUSES),
            Incident.severity.in_(LONG_SHIFT_SEVERITIES),
        )
    )
    for assignment, incident in rows:
        slot = plan.latest_slot(assignment.assigned_at + shift, shift, now)
        assert slot is not None
        details = {"since": assignment.assigned_at.isoformat(), "hours": (slot - assignment.assigned_at) // HOUR}
        yield Due(NudgeKind.ROTATE, f"role:{assignment.id}", slot, incident.id, [assignment.person], details)


def _checkins(ctx: Ctx, config: SchedulingSettings, now: datetime) -> Iterator[Due]:
    """Recently closed incidents that were SEV0/1 and hold sensitive content: each responder gets a private,
    optional check-in (Vigil records that it was offered, never any answer)."""
    sensitive = exists().where(TimelineEntry.incident_id == Incident.id, TimelineEntry.sensitive.is_(True))
    incidents = ctx.session.scalars(
        select(Incident)
        .where(
            Incident.status == Status.CLOSED,
            Incident.closed_at >= now - timedelta(days=config.checkin_within_days),
            sensitive,
        )
        .options(selectinload(Incident.roles), selectinload(Incident.severity_changes))
    )
    for incident in incidents:
        if plan.worst_severity_rank(incident) > 1:
            continue
        assert incident.closed_at is not None
        for person in dict.fromkeys(r.person for r in incident.roles):
            subject = f"incident:{incident.id}/person:{person}"
            yield Due(NudgeKind.CHECKIN, subject, incident.closed_at, incident.id, [person])
