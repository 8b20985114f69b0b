"""What a group of signals becomes: an incident (declared from it, by a person or by the policy's thresholds),
part of an incident already open (attached), or nothing (dismissed with a reason).

An attached group's signals reach its incident's timeline as one entry a minute at most ("37 new signals from
hotline, in-app (first 02:14, last 02:15)"), written by :func:`note_signals` when the outbox delivers the note
that :func:`after_signals` queued: the first report of a quiet group queues it, the next ones find it queued.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from incidents import lifecycle
from incidents.context import Ctx, Domain
from incidents.db import insert_or_nothing, table_of
from incidents.effects import audit, write_entry
from incidents.enums import Severity, TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.guards import required_text
from incidents.models import Incident
from incidents.observability import observer
from incidents.outbox import Topic, enqueue, pending
from incidents.queries import incident_to_show
from incidents.refs import hold_counter
from incidents.signals.hints import hinted_severity
from incidents.signals.models import GroupState, Signal, SignalGroup, SignalNoteDue
from incidents.signals.queries import group_views

SYSTEM = "vigil"
NOTE_EVERY = timedelta(minutes=1)


def after_signals(ctx: Ctx, group: SignalGroup, hint: Severity | None, *, actor: str) -> None:
    """Act on a group that just took signals: note them on its incident, declare it at once when a hint says so
    (its row is then held exclusively, see :func:`incidents.signals.intake.receive`), or bring its triage post up
    to date and have :func:`check_threshold` count it.

    The threshold is counted by the outbox, never here: the reports of concurrent calls hold the group's row
    shared, and a call that declared would have to take it exclusively while they wait for it in turn."""
    if group.state is GroupState.ATTACHED:
        _queue_note(ctx, group, ctx.now() + NOTE_EVERY)
    elif group.state is GroupState.WAITING:
        if hint is not None and hint in ctx.policy.signals.declare_at_once:
            _declare(ctx, group, actor=SYSTEM, severity=hint, why=f"by policy, on signals from {actor}")
            return
        _queue_triage_post(ctx, group)
        if ctx.policy.signals.declare_when is not None:
            _queue_once(ctx, Topic.SIGNALS_CHECK, group)


def check_threshold(ctx: Ctx, group_id: int) -> None:
    """Queue the declare of a waiting group that has reached the policy's threshold
    (:func:`declare_on_threshold`). Takes the group's row exclusively, so the reports in flight (which hold it
    shared) have landed and are counted."""
    group = ctx.session.scalar(select(SignalGroup).where(SignalGroup.id == group_id).with_for_update())
    if group is None or group.state is not GroupState.WAITING:
        return
    threshold = ctx.policy.signals.declare_when
    if threshold is None:
        return
    since = ctx.now() - threshold.window
    recent = ctx.session.scalar(select(func.count()).where(Signal.group_id == group.id, Signal.received_at >= since))
    if (recent or 0) >= threshold.count and not pending(ctx.session, Topic.SIGNALS_DECLARE, group.id):
        _queue_once(ctx, Topic.SIGNALS_DECLARE, group)  # one declare at a time: each takes the reference counter


def declare_on_threshold(ctx: Ctx, group_id: int) -> Incident | None:
    """Declare a group :func:`check_threshold` found over the threshold, locking its row only to attach it.

    Declares queue on the year's reference counter (references have no gaps), so a declare that held its group's
    row throughout would keep the group's reports waiting for every declare ahead of its own: with 50 groups
    crossing the threshold together, reports waited seconds. So the incident is written first and the row locked
    after. If the group was decided meanwhile (a person's Declare, Attach or Dismiss, or a hint that declares at
    once), the incident is rolled back with its reference. If a worse hint came in meanwhile, it is rolled back too
    and declared again with that hint's severity."""
    group = ctx.session.get(SignalGroup, group_id)
    if group is None or group.state is not GroupState.WAITING:
        return None
    severity = _worst_hint(ctx, group)
    attempt = ctx.session.begin_nested()
    incident = _incident_from(ctx, group, actor=SYSTEM, severity=severity)
    ctx.session.refresh(group, with_for_update=True)
    if group.state is not GroupState.WAITING or _worst_hint(ctx, group).rank < severity.rank:
        attempt.rollback()  # also lets go of the group's row, taken inside
        if group.state is GroupState.WAITING:
            _queue_once(ctx, Topic.SIGNALS_DECLARE, group)
        return None
    attempt.commit()
    _declared(ctx, group, incident, actor=SYSTEM, why="by policy, on the reports counted together")
    return incident


def declare_group(ctx: Ctx, group_id: int, *, actor: str, severity: Severity | None = None) -> Incident:
    """Declare an incident from a waiting group (the triage channel's Declare, ``vigil signal declare``)."""
    hold_counter(ctx.session, ctx.now().year)  # before the group's row, in the order declare_on_threshold takes them
    group = _waiting(ctx, group_id)
    return _declare(ctx, group, actor=actor, severity=severity or _worst_hint(ctx, group), why="from triage")


def attach(ctx: Ctx, group_id: int, ref: str, *, actor: str) -> Incident:
    """Make a group part of an open incident: its signals so far go on the timeline at once, later ones as they
    come. Refused where the group's type needs a more restricted incident than this one."""
    group = _waiting(ctx, group_id, dismissed_too=True)
    incident = incident_to_show(ctx, ref)
    if not incident.status.is_open:
        raise VigilError(f"{incident.ref} is {incident.status.value}; attach the signals to an open incident.")
    floor = ctx.policy.types[group.type].min_tier
    if floor.rank > incident.tier.rank:
        raise VigilError(
            f"These are {group.type} signals, which need a {floor.value} incident; {incident.ref} is "
            f"{incident.tier.value}. Raise its tier first (vigil tier {incident.ref} {floor.value} --reason …), or "
            "declare an incident from them.",
            field="ref",
        )
    _attach(ctx, group, incident, actor=actor)
    return incident


def dismiss(ctx: Ctx, group_id: int, *, actor: str, reason: str) -> SignalGroup:
    """Decide a waiting group needs no incident; reports still arriving in its window are counted, not posted."""
    reason = required_text(reason, "reason", label="A reason to dismiss", limit=500)
    group = _waiting(ctx, group_id)
    group.state = GroupState.DISMISSED
    group.decided_by, group.decided_at, group.reason = actor, ctx.now(), reason
    audit(ctx, actor, "signals.dismiss", None, group_id=group.id)
    observer().signals("dismissed")
    _queue_triage_post(ctx, group)
    return group


def note_signals(domain: Domain, group_id: int) -> None:
    """Write the coalesced timeline entry for the group's signals not yet on its incident's timeline.

    In two units of work, so that a wave's reports never wait for the entry to be written (marking a minute of a
    wave, tens of thousands of rows, held the group's row long enough to put seconds on reports' answers):
    :func:`_due_note_taken` takes the group's row exclusively only to let the reports in flight land and to take
    the note off the due list; any report after it queues the next note. :func:`_write_note` then notes every
    signal not yet noted. Delivered at least once: a crash between the two leaves the outbox row to be delivered
    again, and a signal is noted once however often this runs."""
    domain.run(lambda ctx: _due_note_taken(ctx, group_id))
    domain.run(lambda ctx: _write_note(ctx, group_id))


def _due_note_taken(ctx: Ctx, group_id: int) -> None:
    ctx.session.execute(select(SignalGroup.id).where(SignalGroup.id == group_id).with_for_update())
    ctx.session.execute(delete(SignalNoteDue).where(SignalNoteDue.group_id == group_id))


def _write_note(ctx: Ctx, group_id: int) -> None:
    group = ctx.session.get(SignalGroup, group_id)
    if group is None or group.incident is None:
        return
    # One statement marks them (a signal another note is marking at the same time waits, then is skipped).
    rows = ctx.session.execute(
        update(Signal)
        .where(Signal.group_id == group.id, Signal.noted.is_(False))
        .values(noted=True)
        .returning(Signal.source, Signal.received_at)
        .execution_options(synchronize_session=False)
    ).all()
    if not rows:
        return
    sources = Counter(r.source for r in rows)
    first, last = min(r.received_at for r in rows), max(r.received_at for r in rows)
    total = ctx.session.scalar(select(func.count()).where(Signal.group_id == group.id)) or 0
    fresh = "" if total == len(rows) else "new "
    write_entry(
        ctx,
        group.incident,
        kind=TimelineKind.SIGNALS,
        actor=SYSTEM,
        text=f"{_count(len(rows), fresh + 'signal')} from {', '.join(sorted(sources))} ({_span(first, last)})",
        data={
            "group_id": group.id,
            "count": len(rows),
            "total": total,
            "sources": dict(sorted(sources.items())),
            "first": first.isoformat(),
            "last": last.isoformat(),
        },
    )


def _declare(ctx: Ctx, group: SignalGroup, *, actor: str, severity: Severity, why: str) -> Incident:
    incident = _incident_from(ctx, group, actor=actor, severity=severity)
    _declared(ctx, group, incident, actor=actor, why=why)
    return incident


def _incident_from(ctx: Ctx, group: SignalGroup, *, actor: str, severity: Severity) -> Incident:
    """The incident the group's reports make, titled from structured facts only."""
    sources = group_views(ctx, [group])[0].sources
    earliest = ctx.session.scalar(select(func.min(Signal.occurred_at)).where(Signal.group_id == group.id))
    label = ctx.policy.types[group.type].label
    return lifecycle.declare(
        ctx,
        actor=actor,
        title=f"{label}: reports from {', '.join(sorted(sources))}"[:150],
        types=[group.type],
        severity=severity,
        region=group.region,
        detection_source=f"signals ({', '.join(sorted(sources))})"[:200],
        detected_at=group.first_at,
        occurred_at=earliest if earliest is not None and earliest <= group.first_at else None,
    )


def _declared(ctx: Ctx, group: SignalGroup, incident: Incident, *, actor: str, why: str) -> None:
    """Make the group, whose row this unit holds, the one its new incident was declared from."""
    audit(ctx, actor, "signals.declare", incident, group_id=group.id, why=why)
    observer().signals("declared")
    observer().waited("signal_to_declare", (ctx.now() - group.first_at).total_seconds())
    group.declared = True
    _attach(ctx, group, incident, actor=actor)


def _attach(ctx: Ctx, group: SignalGroup, incident: Incident, *, actor: str) -> None:
    group.state, group.incident = GroupState.ATTACHED, incident
    group.decided_by, group.decided_at = actor, ctx.now()
    if group.incident_id is None:
        ctx.session.flush()
    audit(ctx, actor, "signals.attach", incident, group_id=group.id)
    observer().signals("attached")
    _queue_note(ctx, group, ctx.now())
    _queue_triage_post(ctx, group)


def _queue_note(ctx: Ctx, group: SignalGroup, due: datetime) -> None:
    """Queue the group's next note unless one is due already. Reports hold the group's row share-locked and the
    note takes it exclusively, so a report is either seen by the note being written or queues the next one."""
    if group.id is None:
        ctx.session.flush()
    notes_due = table_of(SignalNoteDue)
    marker = insert_or_nothing(ctx.session, notes_due, ["group_id"]).returning(notes_due.c.group_id)
    if ctx.session.execute(marker, [{"group_id": group.id, "due_at": due}]).first() is None:
        return
    message = enqueue(
        ctx.session, Topic.SIGNALS_NOTE, now=ctx.now(), incident_id=group.incident_id, payload={"group_id": group.id}
    )
    if message is not None:
        message.available_at = due


def _queue_triage_post(ctx: Ctx, group: SignalGroup) -> None:
    _queue_once(ctx, Topic.SIGNALS_TRIAGE, group)


def _queue_once(ctx: Ctx, topic: Topic, group: SignalGroup) -> None:
    """Queue ``topic`` for the group unless a row for it is still waiting (it will read the group as it is)."""
    if group.id is None:
        ctx.session.flush()
    enqueue(ctx.session, topic, now=ctx.now(), payload={"group_id": group.id}, once_for=group.id)


def _worst_hint(ctx: Ctx, group: SignalGroup) -> Severity:
    hints = ctx.session.scalars(
        select(Signal.severity_hint).where(Signal.group_id == group.id, Signal.severity_hint.is_not(None)).distinct()
    )
    severities = [s for s in (hinted_severity(ctx.policy, h) for h in hints) if s is not None]
    return min(severities, key=lambda s: s.rank, default=ctx.policy.signals.declared_severity)


def _waiting(ctx: Ctx, group_id: int, *, dismissed_too: bool = False) -> SignalGroup:
    group = ctx.session.scalar(select(SignalGroup).where(SignalGroup.id == group_id).with_for_update())
    if group is None:
        raise NotFound(f"No signal group {group_id}; `vigil signals` lists those waiting.", field="group")
    if group.state is GroupState.ATTACHED:
        ref = group.incident.ref if group.incident is not None else "an incident"
        raise VigilError(f"Signal group {group_id} is already part of {ref}.", field="group")
    if group.state is GroupState.DISMISSED and not dismissed_too:
        raise VigilError(f"Signal group {group_id} was dismissed: {group.reason}", field="group")
    return group


def _count(n: int, noun: str) -> str:
    return f"1 {noun}" if n == 1 else f"{n} {noun}s"


def _span(first: datetime, last: datetime) -> str:
    if first.replace(second=0, microsecond=0) == last.replace(second=0, microsecond=0):
        return f"at {first:%H:%M} UTC"
    return f"first {first:%H:%M}, last {last:%H:%M} UTC"
