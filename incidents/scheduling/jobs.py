"""The scheduler's wall-clock jobs: follow-the-sun boundaries and the weekly digests.

Each job is keyed by the boundary or week it belongs to (the latest occurrence at or before "now"), so running it
late (a coalesced run after a restart), twice, or from :func:`catch_up` still records one nudge per incident per
boundary and one digest per week. Restricted incidents appear in digests only as counts.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from incidents.context import Ctx, Domain
from incidents.enums import OPEN_STATUSES, ActionStatus, Severity, Tier
from incidents.leadership_title import leadership_title
from incidents.models import Action, Clock, Incident
from incidents.people import Names
from incidents.scheduling.config import Boundary, SchedulingSettings
from incidents.scheduling.models import Nudge, NudgeKind
from incidents.scheduling.nudges import Due, record_due, recorded
from incidents.settings import Settings

HANDOFF_SEVERITIES = (Severity.SEV0, Severity.SEV1, Severity.SEV2)
DIGEST_LIST_LIMIT = 30
HANDOFF_GRACE = timedelta(hours=1)
"""A shift-change prompt later than this is noise: the next boundary will come."""
DIGEST_GRACE = timedelta(days=1)


def catch_up(domain: Domain, settings: Settings) -> list[Nudge]:
    """Run the wall-clock jobs whose latest occurrence is within its grace time (a no-op if already done).

    Called from every tick, as a safety net under the cron jobs: a cron run can be lost in the moment a
    leader dies (APScheduler advances a job's next run time when it submits it, whether or not it runs), and a
    standby's ticks then finish the job.
    """
    config = settings.scheduling
    now = domain.time_source.now()
    found: list[Nudge] = []
    if now - config.weekly.last(now) <= DIGEST_GRACE:
        found += actions_digest(domain, config)
        found += leadership_digest(domain, config, settings.leadership_channel)
    for boundary in config.boundaries:
        if now - last_boundary(boundary, now) <= HANDOFF_GRACE:
            found += handoff_boundary(domain, boundary)
    return found


def last_boundary(boundary: Boundary, now: datetime) -> datetime:
    today = datetime.combine(now.date(), boundary.at, tzinfo=UTC)
    return today if today <= now else today - timedelta(days=1)


def handoff_boundary(domain: Domain, boundary: Boundary) -> list[Nudge]:
    """At a shift change, ask the commander of each SEV0-SEV2 incident open since before it to hand off to
    ``boundary.region`` (an incident declared after the boundary was declared by the incoming shift)."""

    def due(ctx: Ctx) -> list[Nudge]:
        at = last_boundary(boundary, ctx.now())
        incidents = ctx.session.scalars(
            select(Incident)
            .where(
                Incident.status.in_(OPEN_STATUSES),
                Incident.severity.in_(HANDOFF_SEVERITIES),
                Incident.declared_at < at,
            )
            .options(selectinload(Incident.roles))
        )
        found = [
            Due(
                NudgeKind.HANDOFF_BOUNDARY,
                f"incident:{incident.id}",
                at,
                incident.id,
                [incident.commander],
                {"region": boundary.region, "at": f"{boundary.at:%H:%M}"},
            )
            for incident in incidents
            if incident.commander is not None
        ]
        return record_due(ctx, found)

    return domain.run(due)


def actions_digest(domain: Domain, config: SchedulingSettings) -> list[Nudge]:
    """The week's list of overdue actions, for ``config.actions_digest_channel``."""
    if config.actions_digest_channel is None:
        return []

    def due(ctx: Ctx) -> list[Nudge]:
        week, subject = config.weekly.last(ctx.now()), f"channel:{config.actions_digest_channel}"
        if recorded(ctx, NudgeKind.ACTIONS_DIGEST, subject, week):
            return []
        return record_due(ctx, [Due(NudgeKind.ACTIONS_DIGEST, subject, week, None, (), overdue_actions(ctx))])

    return domain.run(due)


def leadership_digest(domain: Domain, config: SchedulingSettings, channel: str | None) -> list[Nudge]:
    """The week's summary for leadership, for ``channel`` (the leadership channel)."""
    if channel is None:
        return []

    def due(ctx: Ctx) -> list[Nudge]:
        week, subject = config.weekly.last(ctx.now()), f"channel:{channel}"
        if recorded(ctx, NudgeKind.LEADERSHIP_DIGEST, subject, week):
            return []
        return record_due(ctx, [Due(NudgeKind.LEADERSHIP_DIGEST, subject, week, None, (), weekly_summary(ctx, week))])

    return domain.run(due)


def overdue_actions(ctx: Ctx) -> dict[str, object]:
    """Overdue unfinished actions: listed for standard incidents, counted for restricted ones."""
    today = ctx.now().date()
    actions = ctx.session.scalars(
        select(Action)
        .join(Incident)
        .where(Action.status.in_((ActionStatus.OPEN, ActionStatus.IN_PROGRESS)), Action.due_date < today)
        .order_by(Action.due_date, Action.id)
        .options(selectinload(Action.incident))
    ).all()
    listed = [a for a in actions if a.incident.tier is Tier.STANDARD]
    names = Names.load(ctx, (a.owner for a in listed[:DIGEST_LIST_LIMIT]))
    return {
        "total": len(actions),
        "restricted": len(actions) - len(listed),
        "actions": [
            {
                "ref": a.incident.ref,
                "title": a.title,
                "owner": a.owner,
                "owner_name": names.display(a.owner),
                "due_date": a.due_date.isoformat() if a.due_date else None,
                "tracker_url": a.tracker_url,
            }
            for a in listed[:DIGEST_LIST_LIMIT]
        ],
    }


def weekly_summary(ctx: Ctx, end: datetime) -> dict[str, object]:
    """The seven days before ``end``: incidents declared (by severity, type, region, tier), time to mitigate,
    clocks met and missed, and what is still open or overdue. Only standard SEV0/1 incidents are named, with the
    personal data in their titles masked."""
    start = end - timedelta(days=7)
    declared = ctx.session.scalars(
        select(Incident)
        .where(Incident.declared_at >= start, Incident.declared_at < end)
        .order_by(Incident.declared_at)
        .options(selectinload(Incident.types))
    ).all()
    mitigated = ctx.session.execute(
        select(Incident.declared_at, Incident.mitigated_at).where(
            Incident.mitigated_at >= start, Incident.mitigated_at < end
        )
    ).all()
    minutes = [(m - d).total_seconds() / 60 for d, m in mitigated if m is not None]
    satisfied = ctx.session.execute(
        select(Clock.satisfied_at, Clock.due_at).where(Clock.satisfied_at >= start, Clock.satisfied_at < end)
    ).all()
    met = sum(1 for s, due in satisfied if s is not None and s <= due)
    running_overdue = ctx.session.scalar(select(func.count()).where(Clock.satisfied_at.is_(None), Clock.due_at < end))
    overdue = ctx.session.scalar(
        select(func.count()).where(
            Action.status.in_((ActionStatus.OPEN, ActionStatus.IN_PROGRESS)), Action.due_date < end.date()
        )
    )
    open_now = ctx.session.execute(
        select(Incident.severity, func.count()).where(Incident.status.in_(OPEN_STATUSES)).group_by(Incident.severity)
    ).all()
    named = [i for i in declared if i.tier is Tier.STANDARD and i.severity.rank <= 1]
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "declared": len(declared),
        "by_severity": _sorted_counts(Counter(i.severity.value for i in declared)),
        "by_type": _sorted_counts(Counter(t for i in declared for t in i.type_names)),
        "by_region": _sorted_counts(Counter(i.region or "unspecified" for i in declared)),
        "restricted": sum(1 for i in declared if i.tier.is_restricted),
        "mitigated": len(minutes),
        "median_minutes_to_mitigate": round(statistics.median(minutes)) if minutes else None,
        "clocks_met": met,
        "clocks_missed": len(satisfied) - met,
        "clocks_overdue": running_overdue or 0,
        "actions_overdue": overdue or 0,
        "open_by_severity": _sorted_counts(Counter({s.value: n for s, n in open_now})),
        "notable": [
            {
                "ref": i.ref,
                "title": leadership_title(i),
                "severity": i.severity.value,
                "status": i.status.value,
            }
            for i in named
        ],
    }


def _sorted_counts(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items()))
