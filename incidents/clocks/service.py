"""Regulatory and internal clocks: started by policy at declare (or by hand), satisfied with a reference."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidents.clocks.deadlines import due_at
from incidents.context import Ctx
from incidents.effects import write_entry
from incidents.enums import TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.guards import not_in_future, required_text
from incidents.models import Clock, Incident
from incidents.queries import incident_to_change


def applies(ctx: Ctx, regime: str, incident: Incident) -> bool:
    """A regime applies when the incident names no jurisdictions (start everything: the safer error) or
    names the regime's."""
    jurisdiction = ctx.policy.clocks[regime].jurisdiction
    return not incident.jurisdictions or jurisdiction in incident.jurisdictions


def policy_clocks(ctx: Ctx, incident: Incident, *, actor: str, aware_at: datetime) -> list[Clock]:
    """The clocks the incident's types start by policy and it has none of yet (a reclassification keeps the ones it
    has), added to the session but not flushed: declare writes them with the incident in one flush, then records
    them with :func:`record_started`. Clocks start at awareness: detection for a declare, the moment the
    incident is recognised as a new type for a reclassification (``vigil clock start --at`` sets an earlier one)."""
    held = {c.regime for c in incident.clocks}
    regimes = dict.fromkeys(r for t in incident.type_names for r in ctx.policy.types[t].clocks if r not in held)
    return [
        _new_clock(ctx, incident, regime, trigger_at=aware_at, aware_by=actor)
        for regime in regimes
        if applies(ctx, regime, incident)
    ]


def record_started(ctx: Ctx, incident: Incident, clocks: list[Clock], *, actor: str) -> None:
    """The timeline entries (and audit events) of clocks just started; they name the clocks' ids."""
    for clock in clocks:
        _record(
            ctx,
            incident,
            clock,
            actor,
            f"Clock started: {clock.name}, due {clock.due_at:%Y-%m-%d %H:%M} UTC.",
            "clock.start",
        )


def start_clock(ctx: Ctx, ref: str, *, actor: str, regime: str, trigger_at: datetime | None = None) -> Clock:
    """Start a clock by hand, e.g. when a removal notice arrives mid-incident. ``trigger_at`` is awareness."""
    incident = incident_to_change(ctx, ref)
    if regime not in ctx.policy.clocks:
        raise VigilError(f"Unknown clock {regime!r}: use one of {', '.join(ctx.policy.clocks)}.", field="regime")
    not_in_future(trigger_at, ctx.now(), "trigger_at", "The time of awareness")
    if any(c.regime == regime and c.satisfied_at is None for c in incident.clocks):
        raise VigilError(f"{incident.ref} already has a running {regime} clock.", field="regime")
    return _start(ctx, incident, regime, trigger_at=trigger_at or ctx.now(), aware_by=actor)


def satisfy_clock(
    ctx: Ctx,
    ref: str,
    *,
    actor: str,
    clock_id: int | None = None,
    regime: str | None = None,
    reference_id: str,
    at: datetime | None = None,
) -> Clock:
    """Mark a clock met (or missed, if late) with the artefact's reference; starts the clocks it chains to."""
    incident = incident_to_change(ctx, ref)
    clock = _find_running(incident, clock_id=clock_id, regime=regime)
    return settle(ctx, incident, clock, actor=actor, reference_id=reference_id, at=at)


def settle(
    ctx: Ctx,
    incident: Incident,
    clock: Clock,
    *,
    actor: str,
    reference_id: str,
    at: datetime | None = None,
    done: str | None = None,
    audit_action: str = "clock.satisfy",
    data: dict[str, Any] | None = None,
) -> Clock:
    """The one way a running clock is met (or missed, if late): by the artefact's reference, at the time it was
    done (the timeline entry's time too), starting the clocks it chains to. ``done`` says what was done (a filing
    names what was filed; by default the clock was satisfied) and ``data`` adds to the entry's."""
    reference_id = required_text(reference_id, "reference_id", label="The reference (report or notice id)", limit=200)
    now = ctx.now()
    not_in_future(at, now, "at", "The time it was done")
    clock.satisfied_at = at or now
    clock.satisfied_by = actor
    clock.reference_id = reference_id
    verdict = "met" if clock.met else "missed"
    said = done or f"Clock {clock.name} satisfied"
    _record(
        ctx,
        incident,
        clock,
        actor,
        f"{said} ({verdict}, reference {reference_id}).",
        audit_action,
        at=clock.satisfied_at,
        data=data,
    )
    for child in ctx.policy.clocks[clock.regime].starts:
        started = _start(ctx, incident, child, trigger_at=clock.satisfied_at, aware_by=actor)
        started.parent_id = clock.id
    return clock


def _find_running(incident: Incident, *, clock_id: int | None, regime: str | None) -> Clock:
    running = [c for c in incident.clocks if c.satisfied_at is None]
    if not running:
        every = " (every one is satisfied)" if incident.clocks else ""
        raise NotFound(f"{incident.ref} has no running clocks{every}.", field="clock")
    if clock_id is not None or regime is not None:
        named = [c for c in incident.clocks if (c.id == clock_id if clock_id is not None else c.regime == regime)]
        if not any(c.satisfied_at is None for c in named):
            which = f"#{clock_id}" if clock_id is not None else regime
            verdict = "was satisfied already" if named else "is not one of its clocks"
            still = ", ".join(f"#{c.id} {c.regime}" for c in running)
            raise NotFound(f"Clock {which} of {incident.ref} {verdict}; running: {still}.", field="clock")
        running = [c for c in named if c.satisfied_at is None]
    if len(running) > 1:
        names = ", ".join(c.regime for c in running)
        raise VigilError(f"{incident.ref} has several running clocks ({names}); say which.", field="clock")
    return running[0]


def _start(ctx: Ctx, incident: Incident, regime: str, *, trigger_at: datetime, aware_by: str) -> Clock:
    clock = _new_clock(ctx, incident, regime, trigger_at=trigger_at, aware_by=aware_by)
    ctx.session.flush()
    record_started(ctx, incident, [clock], actor=aware_by)
    return clock


def _new_clock(ctx: Ctx, incident: Incident, regime: str, *, trigger_at: datetime, aware_by: str) -> Clock:
    policy = ctx.policy.clocks[regime]
    clock = Clock(
        incident=incident,
        regime=regime,
        name=policy.name,
        jurisdiction=policy.jurisdiction,
        artefact=policy.artefact,
        source_url=policy.source_url,
        trigger_at=trigger_at,
        aware_by=aware_by,
        deadline_kind=policy.deadline.kind,
        deadline_amount=policy.amount,
        due_at=due_at(policy, trigger_at),
        owner_role=policy.owner_role,
    )
    ctx.session.add(clock)
    return clock


def _record(
    ctx: Ctx,
    incident: Incident,
    clock: Clock,
    actor: str,
    text: str,
    audit_action: str,
    *,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.CLOCK,
        actor=actor,
        text=text,
        audit_action=audit_action,
        at=at,
        data={"clock_id": clock.id, "regime": clock.regime, **(data or {})},
        announce=False,
    )
