"""Referrals, tracked to closure: part of an incident handed to another process (a user dispute, an insurance
claim, the police, support, an external wellbeing service) with that process's own reference.

A referral moves requested → accepted → in progress → decided → closed; it may skip ahead (a case tool may report
the decision straight away) but never goes back, and until it is decided it may be declined with a reason. Each
change goes on the incident's timeline (:func:`incidents.effects.write_entry`), so the channel, the card and the review
hear of it. A referral whose kind names a Jira project is filed there, and its issue kept up to date, through the
outbox (``referral.changed``, delivered by :mod:`incidents.tracker`; without Jira configured nothing is filed).
Who may see a referral is who may see its incident: readers go through :mod:`incidents.access` or the
API's visibility check before they get here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from incidents.context import Ctx
from incidents.effects import write_entry
from incidents.enums import TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.guards import choice, plain, required_text
from incidents.models import Incident
from incidents.outbox import Topic, enqueue
from incidents.policy import Policy
from incidents.queries import incident_to_change
from incidents.referrals.models import Referral, ReferralStatus
from incidents.scheduling.models import NudgeKind
from incidents.scheduling.nudges import Due
from incidents.scheduling.plan import latest_slot, start_of

EXTERNAL_REF_MAX = 200
TEXT_MAX = 4000
OPEN_STATUSES: Final = tuple(s for s in ReferralStatus if s.is_open)
REMIND_EVERY: Final = timedelta(days=7)
"""How often an overdue referral is brought up again: the other process works in days and weeks, not hours."""

NEXT: Final[dict[ReferralStatus, tuple[ReferralStatus, ...]]] = {
    ReferralStatus.REQUESTED: (
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.DECIDED,
        ReferralStatus.DECLINED,
    ),
    ReferralStatus.ACCEPTED: (ReferralStatus.IN_PROGRESS, ReferralStatus.DECIDED, ReferralStatus.DECLINED),
    ReferralStatus.IN_PROGRESS: (ReferralStatus.DECIDED, ReferralStatus.DECLINED),
    ReferralStatus.DECIDED: (ReferralStatus.CLOSED,),
    ReferralStatus.CLOSED: (),
    ReferralStatus.DECLINED: (),
}
"""Where a referral may go from each status: forward only, skipping steps allowed."""

_REACHED_AT: Final[dict[ReferralStatus, str]] = {
    ReferralStatus.ACCEPTED: "accepted_at",
    ReferralStatus.IN_PROGRESS: "in_progress_at",
    ReferralStatus.DECIDED: "decided_at",
    ReferralStatus.CLOSED: "closed_at",
    ReferralStatus.DECLINED: "declined_at",
}


class _Unset(Enum):
    """A :class:`ReferralChanges` field left as it is (where ``None`` means "clear it")."""

    UNSET = "unset"


UNSET: Final = _Unset.UNSET


@dataclass(frozen=True)
class ReferralChanges:
    status: ReferralStatus | None = None
    owner: str | _Unset | None = UNSET
    due_date: date | _Unset | None = UNSET
    external_ref: str | _Unset | None = UNSET
    outcome: str | None = None
    reason: str | None = None
    """Why it is declined; required to decline."""


def parse_kind(policy: Policy, value: str) -> str:
    kind = value.strip().lower().replace("-", "_").replace(" ", "_")
    if kind not in policy.referral_kinds:
        kinds = ", ".join(policy.referral_kinds) or "none (the policy pack defines none)"
        raise VigilError(f"Unknown referral kind {value.strip()!r}: use one of {kinds}.", field="kind")
    return kind


def parse_status(value: str) -> ReferralStatus:
    return choice(ReferralStatus, value, what="referral status", field="status")


def kind_label(policy: Policy, kind: str) -> str:
    """The kind as people read it; a kind since removed from the pack shows as its key."""
    found = policy.referral_kinds.get(kind)
    return found.label if found else kind


def open_referral(
    ctx: Ctx,
    ref: str,
    *,
    actor: str,
    kind: str,
    owner: str | None = None,
    due_date: date | None = None,
    external_ref: str | None = None,
    note: str = "",
) -> Referral:
    """Open a referral in ``requested``. Without ``due_date`` it is due the kind's ``due_days`` from today."""
    incident = incident_to_change(ctx, ref)
    kind = parse_kind(ctx.policy, kind)
    now = ctx.now()
    due = due_date or now.date() + timedelta(days=ctx.policy.referral_kinds[kind].due_days)
    _check_due(now, due)
    referral = Referral(
        incident=incident,
        kind=kind,
        status=ReferralStatus.REQUESTED,
        owner=owner,
        due_date=due,
        external_ref=_external_ref(external_ref),
        note=_text(note, "note", "A note"),
        requested_by=actor,
        requested_at=now,
        updated_at=now,
    )
    ctx.session.add(referral)
    ctx.session.flush()
    facts = [f"owner <@{owner}>" if owner else None, f"due {due.isoformat()}", _ref_fact(referral.external_ref)]
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.REFERRAL,
        actor=actor,
        text=f"Referral #{referral.id} opened: {kind_label(ctx.policy, kind)} ({', '.join(f for f in facts if f)})",
        audit_action="referral.open",
        data={"referral_id": referral.id, "kind": kind, "status": referral.status.value, "person": owner},
    )
    _queue_filing(ctx, referral)
    return referral


def update_referral(ctx: Ctx, referral_id: int, changes: ReferralChanges, *, actor: str) -> Referral:
    """Apply ``changes``; a status the referral already has changes nothing (so a decision reported twice is
    harmless). Refuses, naming the allowed next statuses, a move backwards or out of closed/declined; declining
    needs a reason and deciding an outcome."""
    referral = get_referral(ctx, referral_id)
    facts: list[str] = []
    status = changes.status if changes.status is not referral.status else None
    if status is None and not NEXT[referral.status] and _touches(referral, changes):
        raise VigilError(f"Referral #{referral.id} is {referral.status.value}: nothing about it changes now.")
    if status is not None:
        _move(ctx, referral, status, changes)
        facts.append(f"{status.label.lower()}{_said(referral, status)}")
    elif changes.outcome is not None and referral.status is ReferralStatus.DECIDED:
        outcome = _text(changes.outcome, "outcome", "An outcome", required=True)
        if outcome != referral.outcome:
            referral.outcome = outcome
            facts.append(f"outcome: {outcome}")
    elif changes.outcome is not None:
        raise VigilError(f"Referral #{referral.id} has no decision yet: set its status to decided with the outcome.")
    if changes.owner is not UNSET and changes.owner != referral.owner:
        referral.owner = changes.owner
        facts.append(f"owner <@{changes.owner}>" if changes.owner else "no owner")
    if changes.due_date is not UNSET and changes.due_date != referral.due_date:
        _check_due(ctx.now(), changes.due_date)
        referral.due_date = changes.due_date
        facts.append(f"due {changes.due_date.isoformat()}" if changes.due_date else "no due date")
    if changes.external_ref is not UNSET and _external_ref(changes.external_ref) != referral.external_ref:
        referral.external_ref = _external_ref(changes.external_ref)
        facts.append(_ref_fact(referral.external_ref) or "no external reference")
    if not facts:
        return referral
    referral.updated_at = ctx.now()
    write_entry(
        ctx,
        referral.incident,
        kind=TimelineKind.REFERRAL,
        actor=actor,
        text=f"Referral #{referral.id} ({kind_label(ctx.policy, referral.kind)}): {'; '.join(facts)}",
        audit_action="referral.update",
        data={"referral_id": referral.id, "status": referral.status.value, "person": referral.owner},
        announce=status is not None,
    )
    _queue_filing(ctx, referral)
    return referral


def move_referral(
    ctx: Ctx, referral_id: int, status: ReferralStatus, *, actor: str, said: str = "", ref: str | None = None
) -> tuple[Referral, str]:
    """Move a referral to ``status`` (``said`` is the outcome of a decision or the reason to decline), for a
    person at the CLI or in Slack; returns it with one line saying what changed, from → to."""
    referral = get_referral(ctx, referral_id, ref=ref)
    before, outcome = referral.status, referral.outcome
    deciding, declining = status is ReferralStatus.DECIDED, status is ReferralStatus.DECLINED
    if said.strip() and not (deciding or declining):
        raise VigilError(f"Only decided (with its outcome) and declined (with a reason) take text, not {status.value}.")
    changes = ReferralChanges(status=status, outcome=said if deciding else None, reason=said if declining else None)
    update_referral(ctx, referral_id, changes, actor=actor)
    name = f"Referral #{referral.id} ({kind_label(ctx.policy, referral.kind)}) of {referral.incident.ref}"
    if before is not referral.status:
        return referral, f"{name}: {before.value} → {referral.status.value}."
    if outcome != referral.outcome:
        return referral, f"{name}: still {before.value}, its outcome changed."
    return referral, f"{name} is already {before.value}: nothing changed."


def get_referral(ctx: Ctx, referral_id: int, *, ref: str | None = None) -> Referral:
    """The referral; with ``ref``, only if it is one of that incident's (a number alone reveals no other
    incident, restricted or not)."""
    referral = ctx.session.get(Referral, referral_id)
    if referral is None or (ref is not None and referral.incident.ref != ref.strip().upper()):
        where = f" on {ref.strip().upper()}" if ref is not None else ""
        raise NotFound(f"No referral #{referral_id}{where}.", field="referral")
    return referral


def referrals_of(incident: Incident) -> list[Referral]:
    """The incident's referrals, oldest first; none for an incident built in memory and never stored."""
    session = object_session(incident)
    if session is None:
        return []
    return _of(session, [incident.id])[incident.id]


def referrals_by_incident(session: Session, incident_ids: Iterable[int]) -> dict[int, list[Referral]]:
    """Each incident's referrals in one query (for lists and digests)."""
    return _of(session, list(incident_ids))


def referral_reminders(ctx: Ctx, now: datetime) -> Iterator[Due]:
    """Open referrals past their due date, whatever their incident's status (the other process outlives it): the
    owner (the commander when it has none) is told in the incident's channel once the due day is over, and again
    every :data:`REMIND_EVERY` until it is decided, declined or given a new due date (which starts over)."""
    found = ctx.session.scalars(
        select(Referral)
        .where(Referral.status.in_(OPEN_STATUSES), Referral.due_date < now.date())
        .options(selectinload(Referral.incident).selectinload(Incident.roles))
    )
    for referral in found:
        assert referral.due_date is not None
        slot = latest_slot(start_of(referral.due_date + timedelta(days=1)), REMIND_EVERY, now)
        if slot is None:
            continue
        incident = referral.incident
        owners = [referral.owner] if referral.owner else incident.current_holders("commander")
        details = {
            "referral_id": referral.id,
            "kind": referral.kind,
            "status": referral.status.value,
            "due_date": referral.due_date.isoformat(),
        }
        yield Due(NudgeKind.REFERRAL_OVERDUE, f"referral:{referral.id}", slot, incident.id, owners, details)


def is_overdue(referral: Referral, today: date) -> bool:
    return referral.status.is_open and referral.due_date is not None and referral.due_date < today


def describe(referral: Referral, policy: Policy, today: date) -> str:
    """One line for the CLI and Slack: number, kind, status, owner, due date, external reference."""
    facts = [
        referral.status.label,
        f"owner <@{referral.owner}>" if referral.owner else None,
        referral.due_date
        and f"due {referral.due_date.isoformat()}" + (" (overdue)" if is_overdue(referral, today) else ""),
        _ref_fact(referral.external_ref),
        referral.tracker_key and f"Jira {referral.tracker_key}",
    ]
    return f"#{referral.id} {kind_label(policy, referral.kind)}: {', '.join(f for f in facts if f)}"


def _of(session: Session, incident_ids: list[int]) -> dict[int, list[Referral]]:
    found: dict[int, list[Referral]] = {i: [] for i in incident_ids}
    if not incident_ids:
        return found
    query = select(Referral).where(Referral.incident_id.in_(incident_ids)).order_by(Referral.id)
    for referral in session.scalars(query):
        found[referral.incident_id].append(referral)
    return found


def _queue_filing(ctx: Ctx, referral: Referral) -> None:
    """Ask the tracker to file the referral in its kind's Jira project, or to bring its issue up to date (one
    request however many changes are made before it is delivered). A kind without a project files nothing, but an
    issue already filed keeps following its referral."""
    kind = ctx.policy.referral_kinds.get(referral.kind)
    if referral.tracker_key is None and (kind is None or kind.jira_project is None):
        return
    enqueue(
        ctx.session,
        Topic.REFERRAL_CHANGED,
        now=ctx.now(),
        incident_id=referral.incident_id,
        payload={"referral_id": referral.id},
        once_for=referral.id,
    )


def _move(ctx: Ctx, referral: Referral, status: ReferralStatus, changes: ReferralChanges) -> None:
    allowed = NEXT[referral.status]
    if status not in allowed:
        options = " or ".join(s.value for s in allowed) if allowed else "nothing (it is finished)"
        raise VigilError(
            f"Referral #{referral.id} is {referral.status.value}: it can move to {options}, not {status.value}.",
            field="status",
        )
    if status is ReferralStatus.DECLINED:
        referral.reason = _text(changes.reason or "", "reason", "A reason to decline", required=True)
    if status is ReferralStatus.DECIDED:
        referral.outcome = _text(changes.outcome or "", "outcome", "An outcome", required=True)
    referral.status = status
    setattr(referral, _REACHED_AT[status], ctx.now())


def _said(referral: Referral, status: ReferralStatus) -> str:
    if status is ReferralStatus.DECLINED:
        return f": {referral.reason}"
    if status is ReferralStatus.DECIDED:
        return f": {referral.outcome}"
    return ""


def _touches(referral: Referral, changes: ReferralChanges) -> bool:
    return (
        (changes.outcome is not None and changes.outcome.strip() != referral.outcome)
        or (changes.owner is not UNSET and changes.owner != referral.owner)
        or (changes.due_date is not UNSET and changes.due_date != referral.due_date)
        or (changes.external_ref is not UNSET and _external_ref(changes.external_ref) != referral.external_ref)
    )


def _check_due(now: datetime, due: date | None) -> None:
    if due is not None and due < now.date():
        raise VigilError("The due date is in the past.", field="due_date")


def _external_ref(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    if len(value) > EXTERNAL_REF_MAX:
        raise VigilError(
            f"The external reference is too long (at most {EXTERNAL_REF_MAX} characters).", field="external_ref"
        )
    return value or None


def _ref_fact(external_ref: str | None) -> str | None:
    return f"reference {external_ref}" if external_ref else None


def _text(value: str, field: str, label: str, *, required: bool = False) -> str:
    if required:
        return required_text(value, field, label=label, limit=TEXT_MAX)
    value = plain(value)
    if len(value) > TEXT_MAX:
        raise VigilError(f"{label} is too long (at most {TEXT_MAX} characters).", field=field)
    return value
