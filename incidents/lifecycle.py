"""Declaring an incident and moving it through its life: acknowledge, severity, tier, reclassify (types and
jurisdictions), status, resolve, close."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import case, update
from sqlalchemy.orm.attributes import set_committed_value

from incidents.clocks.service import policy_clocks, record_started
from incidents.context import Ctx
from incidents.effects import audit, write_entry
from incidents.enums import Severity, Status, Tier, TimelineKind
from incidents.errors import VigilError
from incidents.guards import choice, clean_title, not_in_future, plain, required_text
from incidents.leadership_title import masked_title
from incidents.left_open import LeftOpen, WorkLeftOpen, left_open
from incidents.models import Clock, Incident, IncidentType, RoleAssignment, SeverityChange
from incidents.paging import service as paging
from incidents.policy import Policy
from incidents.provisioning import queue_channel
from incidents.queries import incident_to_change
from incidents.refs import take_refs
from incidents.severity_guidance import GUIDANCE_KEY, SeverityAnswers, suggest
from incidents.tasks.models import Task
from incidents.tasks.service import apply_playbooks, start_playbooks
from incidents.timesource import FrozenTime

TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.DECLARED: frozenset({Status.INVESTIGATING, Status.MITIGATED, Status.RESOLVED}),
    Status.INVESTIGATING: frozenset({Status.MITIGATED, Status.RESOLVED}),
    Status.MITIGATED: frozenset({Status.INVESTIGATING, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.INVESTIGATING}),
    Status.CLOSED: frozenset(),
}


def parse_severity(value: str) -> Severity:
    return choice(Severity, value, what="severity", field="severity")


def parse_status(value: str) -> Status:
    return choice(Status, value, what="status", field="status")


def parse_tier(value: str) -> Tier:
    return choice(Tier, value, what="sensitivity tier", field="tier")


@dataclass(frozen=True)
class Declaration:
    """Everything a declare says, as given; :func:`check` returns it cleaned and with its tier raised to the floor
    its types demand (``tier_raised`` tells the timeline why)."""

    actor: str
    title: str
    types: Sequence[str]
    severity: Severity
    tier: Tier = Tier.STANDARD
    summary: str = ""
    region: str | None = None
    jurisdictions: Sequence[str] = ()
    detection_source: str | None = None
    external_ref: str | None = None
    occurred_at: datetime | None = None
    detected_at: datetime | None = None
    commander: str | None = None
    roles: Mapping[str, str] = field(default_factory=dict)
    invite: Sequence[str] = ()
    source_url: str | None = None
    in_slack: bool = True
    """Whether Slack hears of it: its channel, posts, DMs and reminders (see :mod:`incidents.provisioning`)."""
    guidance: SeverityAnswers | None = None
    """The declarer's answers to the severity guidance's questions, when they used it."""
    tier_raised: bool = False


_NO_ROLES: Mapping[str, str] = MappingProxyType({})


def check(ctx: Ctx, declaration: Declaration) -> Declaration:
    """Refuse a declaration that cannot be written (with a :class:`VigilError` naming the field), before anything
    is written. Checking a checked declaration returns it unchanged."""
    d = declaration
    now = ctx.now()
    title = clean_title(d.title)
    types = _check_types(ctx, d.types)
    region = _check_region(ctx, d.region)
    not_in_future(d.occurred_at, now, "occurred_at", "The time it happened")
    not_in_future(d.detected_at, now, "detected_at", "The time it was detected")
    if d.occurred_at and d.detected_at and d.occurred_at > d.detected_at:
        raise VigilError("It cannot have been detected before it happened.", field="detected_at")
    floor = _tier_floor(ctx, types)
    raised = floor.rank > d.tier.rank
    roles = {"commander": d.commander or d.actor, **d.roles}
    for role in roles:
        _check_role(ctx, role)
    if d.guidance is not None:
        suggest(ctx.policy, d.guidance)
    return replace(
        d,
        title=title,
        types=types,
        region=region,
        tier=floor if raised else d.tier,
        tier_raised=d.tier_raised or raised,
        commander=roles["commander"],
        roles=roles,
    )


def declare(
    ctx: Ctx,
    *,
    actor: str,
    title: str,
    types: Sequence[str],
    severity: Severity,
    tier: Tier = Tier.STANDARD,
    summary: str = "",
    region: str | None = None,
    jurisdictions: Sequence[str] = (),
    detection_source: str | None = None,
    external_ref: str | None = None,
    occurred_at: datetime | None = None,
    detected_at: datetime | None = None,
    commander: str | None = None,
    roles: Mapping[str, str] = _NO_ROLES,
    invite: Sequence[str] = (),
    source_url: str | None = None,
    in_slack: bool = True,
    guidance: SeverityAnswers | None = None,
) -> Incident:
    """Open one incident: see :class:`Declaration` for what it takes (these are its fields, as given) and
    :func:`declare_many` for what it does."""
    declaration = Declaration(
        actor=actor,
        title=title,
        types=types,
        severity=severity,
        tier=tier,
        summary=summary,
        region=region,
        jurisdictions=jurisdictions,
        detection_source=detection_source,
        external_ref=external_ref,
        occurred_at=occurred_at,
        detected_at=detected_at,
        commander=commander,
        roles=roles,
        invite=invite,
        source_url=source_url,
        in_slack=in_slack,
        guidance=guidance,
    )
    return declare_many(ctx, [declaration])[0]


def declare_many(ctx: Ctx, declarations: Sequence[Declaration]) -> list[Incident]:
    """Open incidents with their references, first timeline entries, commanders, clocks and side effects.

    The tier is raised to the floor the types demand (child safety is always highly restricted). The declarer
    commands unless ``commander`` says otherwise. Clocks start at awareness: ``detected_at`` or now.

    Several declarations are written together (the intake API batches concurrent requests) because a declare's
    cost is its statements, and each statement here carries every declaration's rows. References are taken
    last: bumping the year's counter locks its row until commit, so every concurrent declare waits on it; taken
    last, the wait is the commit, not the whole declare. They are written with one statement that leaves the
    version alone (no one else can have read these rows yet). Refused declarations raise before anything is
    written.
    """
    if not declarations:
        return []
    now = ctx.now()
    ctx = replace(ctx, time_source=FrozenTime(now))  # one instant: recording the declare leaves its rows' times alone
    checked = [check(ctx, d) for d in declarations]
    opened = [(d, *_open(ctx, d, now)) for d in checked]
    ctx.session.flush()
    for d, incident, clocks in opened:
        incident.leadership_title = masked_title(incident, parties={})  # its title scanned by the flush; no parties
        _record_declared(ctx, d, incident, clocks, now)
    incidents = [incident for _d, incident, _clocks in opened]
    refs = take_refs(ctx.session, now.year, len(incidents))
    ctx.session.execute(
        update(Incident)
        .where(Incident.id.in_([i.id for i in incidents]))
        .values(ref=case({i.id: ref for i, ref in zip(incidents, refs, strict=True)}, value=Incident.id))
        .execution_options(synchronize_session=False)
    )
    for incident, ref in zip(incidents, refs, strict=True):
        set_committed_value(incident, "ref", ref)
    if ctx.paging:  # pages are keyed by the reference, so they are recorded once it is taken
        for d, incident, _clocks in opened:
            if d.in_slack:  # a terminal declare (a rehearsal, a record after the fact) wakes nobody by itself
                paging.pages_for_declare(ctx, incident, d.actor)
    return incidents


def _open(ctx: Ctx, d: Declaration, now: datetime) -> tuple[Incident, list[Clock]]:
    """The incident with its types, roles, first severity and clocks, added to the session (not yet flushed)."""
    incident = Incident(
        ref=f"~{uuid.uuid4().hex[:16]}",
        title=d.title,
        summary=plain(d.summary),
        severity=d.severity,
        status=Status.DECLARED,
        tier=d.tier,
        region=d.region,
        jurisdictions=_clean_jurisdictions(d.jurisdictions),
        detection_source=d.detection_source,
        external_ref=d.external_ref,
        declared_by=d.actor,
        occurred_at=d.occurred_at,
        detected_at=d.detected_at or now,
        declared_at=now,
        updated_at=now,
        types=[IncidentType(type=t) for t in d.types],
        in_slack=d.in_slack,
    )
    ctx.session.add(incident)
    ctx.session.add(
        SeverityChange(
            incident=incident, at=now, from_severity=None, to_severity=d.severity, reason="declared", actor=d.actor
        )
    )
    for role, person in d.roles.items():
        incident.roles.append(
            RoleAssignment(role=role, person=person, assigned_by=d.actor, assigned_at=now, relieved_at=None)
        )
    return incident, policy_clocks(ctx, incident, actor=d.actor, aware_at=d.detected_at or now)


def _record_declared(ctx: Ctx, d: Declaration, incident: Incident, clocks: list[Clock], now: datetime) -> None:
    """The declare's timeline entries and audit events, and the outbox message that opens its channel."""
    data: dict[str, Any] = {
        "severity": d.severity.value,
        "tier": d.tier.value,
        "types": list(d.types),
        "roles": dict(d.roles),
    }
    text = f"Declared {d.severity.value} ({d.tier.value}): {d.title}"
    if d.guidance is not None:
        suggestion = suggest(ctx.policy, d.guidance)
        data[GUIDANCE_KEY] = suggestion.as_data()
        text += f"; {suggestion.beside(d.severity)}"
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.DECLARED,
        actor=d.actor,
        text=text,
        audit_action="incident.declare",
        data=data,
        source_url=d.source_url,
        announce=False,
    )
    if d.tier_raised:
        write_entry(
            ctx,
            incident,
            kind=TimelineKind.TIER,
            actor=d.actor,
            text=f"Sensitivity raised to {d.tier.value}, as the policy requires for these types.",
            data={"tier": d.tier.value},
            announce=False,
        )
    record_started(ctx, incident, clocks, actor=d.actor)
    start_playbooks(ctx, incident, actor=d.actor)
    if d.in_slack:
        queue_channel(ctx, incident, [d.actor, *d.roles.values(), *d.invite])


def acknowledge(ctx: Ctx, ref: str, *, actor: str) -> Incident:
    incident = incident_to_change(ctx, ref)
    if incident.acknowledged_at is not None:
        raise VigilError(f"{incident.ref} was already acknowledged.")
    incident.acknowledged_at = ctx.now()
    if incident.status is Status.DECLARED:
        incident.status = Status.INVESTIGATING
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.STATUS,
        actor=actor,
        text="Acknowledged; investigating.",
        audit_action="incident.acknowledge",
        data={"status": incident.status.value},
    )
    return incident


def change_severity(ctx: Ctx, ref: str, *, actor: str, severity: Severity, reason: str) -> Incident:
    """Every change of severity carries a reason: the review will ask why."""
    incident = incident_to_change(ctx, ref)
    _require_open(incident)
    reason = required_text(reason, "reason", label="A reason for the change")
    if severity is incident.severity:
        raise VigilError(f"{incident.ref} is already {severity.value}.", field="severity")
    previous = incident.severity
    incident.severity = severity
    ctx.session.add(
        SeverityChange(
            incident=incident,
            at=ctx.now(),
            from_severity=previous,
            to_severity=severity,
            reason=reason,
            actor=actor,
        )
    )
    direction = "raised" if severity.rank < previous.rank else "lowered"
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.SEVERITY,
        actor=actor,
        text=f"Severity {direction} from {previous.value} to {severity.value}: {reason}",
        audit_action="incident.severity",
        data={"from": previous.value, "to": severity.value, "reason": reason},
    )
    apply_playbooks(ctx, incident, actor=actor)
    return incident


def change_tier(ctx: Ctx, ref: str, *, actor: str, tier: Tier, reason: str) -> Incident:
    """Lowering below the floor the incident's types demand is refused."""
    incident = incident_to_change(ctx, ref)
    reason = required_text(reason, "reason", label="A reason for the change")
    floor = _tier_floor(ctx, incident.type_names)
    if tier.rank < floor.rank:
        raise VigilError(f"Incidents of these types must stay at least {floor.value}.", field="tier")
    if tier is incident.tier:
        raise VigilError(f"{incident.ref} is already {tier.value}.", field="tier")
    previous, incident.tier = incident.tier, tier
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.TIER,
        actor=actor,
        text=f"Sensitivity changed from {previous.value} to {tier.value}: {reason}",
        audit_action="incident.tier",
        data={"from": previous.value, "to": tier.value, "reason": reason},
    )
    apply_playbooks(ctx, incident, actor=actor)
    return incident


@dataclass(frozen=True)
class Reclassified:
    """A reclassification and what it set off, for the confirmation people read."""

    incident: Incident
    change: str
    """What changed, as the timeline says it: "types fraud_scam → child_safety; jurisdictions all → EU"."""
    clocks: list[Clock]
    """The clocks it started."""
    tasks: list[Task]
    """The playbook steps it added."""


def reclassify(
    ctx: Ctx,
    ref: str,
    *,
    actor: str,
    types: Sequence[str] | None = None,
    jurisdictions: Sequence[str] | None = None,
    reason: str,
) -> Reclassified:
    """Change what the incident is about, its types, its jurisdictions or both, with one reason.

    What the new classification demands follows as declare would have set it: the clocks the policy starts for it
    that the incident has none of (running from awareness, as at declare; those it has are kept) and the steps of
    the playbooks that now apply (never one twice). Unlike declare, the tier is not raised silently: a change that
    needs a higher tier is refused, so raising it stays a decision of its own, with its own reason.
    """
    incident = incident_to_change(ctx, ref)
    _require_open(incident)
    reason = required_text(reason, "reason", label="A reason for the change")
    if types is None and jurisdictions is None:
        raise VigilError("Say what to change: the types, the jurisdictions or both.", field="types")
    before = {"types": sorted(incident.type_names), "jurisdictions": list(incident.jurisdictions)}
    after = {
        "types": sorted(_check_types(ctx, types)) if types is not None else before["types"],
        "jurisdictions": before["jurisdictions"] if jurisdictions is None else _check_jurisdictions(ctx, jurisdictions),
    }
    changes = {name: {"from": before[name], "to": after[name]} for name in before if before[name] != after[name]}
    if not changes:
        raise VigilError(
            f"{incident.ref} is already {_classified(after, types is not None, jurisdictions is not None)}.",
            field="types" if types is not None else "jurisdictions",
        )
    _require_tier_for(ctx, incident, after["types"])
    kept = [t for t in incident.types if t.type in after["types"]]
    incident.types = kept + [IncidentType(type=t) for t in after["types"] if t not in before["types"]]
    incident.jurisdictions = after["jurisdictions"]
    change = "; ".join(f"{name} {_listed(c['from'])} → {_listed(c['to'])}" for name, c in changes.items())
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.CLASSIFICATION,
        actor=actor,
        text=f"Reclassified ({change}): {reason}",
        audit_action="incident.reclassify",
        data={**changes, "reason": reason},
    )
    clocks = policy_clocks(ctx, incident, actor=actor, aware_at=ctx.now())
    ctx.session.flush()  # the clocks' timeline entries name their ids
    record_started(ctx, incident, clocks, actor=actor)
    added = apply_playbooks(ctx, incident, actor=actor)
    return Reclassified(incident, change, clocks, added)


def _require_tier_for(ctx: Ctx, incident: Incident, types: Sequence[str]) -> None:
    """Refuse types whose floor is above the incident's tier, saying how to raise it."""
    floor = _tier_floor(ctx, types)
    if floor.rank > incident.tier.rank:
        needing = ", ".join(t for t in types if ctx.policy.types[t].min_tier.rank > incident.tier.rank)
        raise VigilError(
            f"{needing} must be at least {floor.value} and {incident.ref} is {incident.tier.value}: raise its tier "
            f'first with `vigil tier {incident.ref} {floor.value} --reason "…"`, then reclassify it.',
            field="tier",
        )


def _classified(values: Mapping[str, list[str]], types: bool, jurisdictions: bool) -> str:
    """The classification asked for, as in "is already of type fraud_scam in EU"."""
    parts = [f"of type {_listed(values['types'])}"] if types else []
    return " ".join(parts + ([f"in {_listed(values['jurisdictions'])}"] if jurisdictions else []))


def _listed(values: Sequence[str]) -> str:
    """Types or jurisdictions for people; no jurisdictions means every one applies (see :func:`clocks.applies`)."""
    return ", ".join(values) or "all"


def change_status(
    ctx: Ctx, ref: str, *, actor: str, status: Status, note: str = "", confirmed: bool = True
) -> Incident:
    """Move along the state machine, stamping the matching time anchor the first time it is reached.

    Resolving with playbook steps, referrals or clocks still open (:mod:`incidents.left_open`) is refused with
    :class:`WorkLeftOpen` unless ``confirmed``: the ways in where a person resolves pass what that person
    confirmed, so they can list what is open and ask first. Either way the timeline records what was left."""
    incident = incident_to_change(ctx, ref)
    previous = incident.status
    if status not in TRANSITIONS[previous]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[previous])) or "nothing (it is closed)"
        raise VigilError(
            f"{incident.ref} is {previous.value}; it can move to {allowed}, not {status.value}.",
            field="status",
        )
    now = ctx.now()
    left = left_open(incident, ctx.policy, now) if status is Status.RESOLVED else LeftOpen()
    if left and not confirmed:
        raise WorkLeftOpen(incident.ref, left)
    reopening = previous is Status.RESOLVED and status is Status.INVESTIGATING
    if status is not Status.DECLARED and incident.acknowledged_at is None:
        incident.acknowledged_at = now
    if status in (Status.MITIGATED, Status.RESOLVED) and incident.mitigated_at is None:
        incident.mitigated_at = now
    if status is Status.RESOLVED:
        incident.resolved_at = now
    if status is Status.CLOSED:
        incident.closed_at = now
    if reopening:
        incident.resolved_at = None
    incident.status = status
    if previous.is_open and not status.is_open:
        paging.resolve_pages(ctx, incident)
    verb = "Reopened" if reopening else f"Status {previous.value} → {status.value}"
    if left:
        verb = f"Resolved with {left.summary()} open (was {previous.value})"
    text = f"{verb}: {plain(note)}" if plain(note) else verb
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.STATUS,
        actor=actor,
        text=text,
        audit_action="incident.reopen" if reopening else "incident.status",
        data={"from": previous.value, "to": status.value, **({"left_open": left.as_data()} if left else {})},
    )
    return incident


def resolve(ctx: Ctx, ref: str, *, actor: str, note: str = "", confirmed: bool = True) -> Incident:
    """See :func:`change_status` for ``confirmed``."""
    return change_status(ctx, ref, actor=actor, status=Status.RESOLVED, note=note, confirmed=confirmed)


def close(ctx: Ctx, ref: str, *, actor: str, note: str = "") -> Incident:
    return change_status(ctx, ref, actor=actor, status=Status.CLOSED, note=note)


def reopen(ctx: Ctx, ref: str, *, actor: str, reason: str) -> Incident:
    reason = required_text(reason, "reason", label="A reason to reopen")
    incident = incident_to_change(ctx, ref)
    if incident.status is not Status.RESOLVED:
        raise VigilError(f"Only a resolved incident can be reopened; {incident.ref} is {incident.status.value}.")
    return change_status(ctx, ref, actor=actor, status=Status.INVESTIGATING, note=reason)


def record_channel(ctx: Ctx, incident_id: int, channel_id: str) -> None:
    """Remember the chat channel an adapter opened for the incident (called once, from the outbox)."""
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise VigilError(f"incident #{incident_id} vanished")
    if incident.slack_channel_id not in (None, channel_id):
        raise VigilError(f"{incident.ref} already has channel {incident.slack_channel_id}")
    incident.slack_channel_id = channel_id
    audit(ctx, "vigil", "incident.channel", incident, channel_id=channel_id)


def _require_open(incident: Incident) -> None:
    if not incident.status.is_open:
        raise VigilError(f"{incident.ref} is {incident.status.value}; reopen it first.")


def _check_types(ctx: Ctx, types: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(t.strip().lower() for t in types if t.strip()))
    if not cleaned:
        raise VigilError("Pick at least one incident type.", field="types")
    unknown = [t for t in cleaned if t not in ctx.policy.types]
    if unknown:
        raise VigilError(
            f"Unknown incident type {', '.join(map(repr, unknown))}; known types: {', '.join(ctx.policy.types)}.",
            field="types",
        )
    return cleaned


def known_jurisdictions(policy: Policy) -> list[str]:
    """The jurisdictions the policy pack has clocks or playbooks for: naming another would start nothing."""
    playbooks = {j for playbook in policy.playbooks.values() for j in playbook.jurisdictions}
    return sorted({clock.jurisdiction for clock in policy.clocks.values()} | playbooks)


def _clean_jurisdictions(values: Sequence[str]) -> list[str]:
    return sorted({j.strip().upper() for j in values if j.strip()})


def _check_jurisdictions(ctx: Ctx, values: Sequence[str]) -> list[str]:
    """Jurisdictions someone names: at least one, each one the policy pack knows (an unknown one would quietly
    narrow the incident to no clocks at all)."""
    cleaned = _clean_jurisdictions(values)
    known = known_jurisdictions(ctx.policy)
    if not cleaned:
        raise VigilError(f"Name at least one jurisdiction: {', '.join(known)}.", field="jurisdictions")
    unknown = [j for j in cleaned if j not in known]
    if unknown:
        raise VigilError(
            f"Unknown jurisdiction {', '.join(map(repr, unknown))}: use one of {', '.join(known)}.",
            field="jurisdictions",
        )
    return cleaned


def _tier_floor(ctx: Ctx, types: Sequence[str]) -> Tier:
    """The lowest tier the types allow: the highest of their policies' ``min_tier``."""
    return max((ctx.policy.types[t].min_tier for t in types), key=lambda t: t.rank)


def _check_region(ctx: Ctx, region: str | None) -> str | None:
    if region is None or not region.strip():
        return None
    region = region.strip().upper()
    if region not in ctx.policy.regions:
        raise VigilError(f"Unknown region {region!r}: use one of {', '.join(ctx.policy.regions)}.", field="region")
    return region


def _check_role(ctx: Ctx, role: str) -> None:
    if role not in ctx.policy.roles:
        raise VigilError(f"Unknown role {role!r}: use one of {', '.join(ctx.policy.roles)}.", field="role")
