"""Legal holds: an incident under a hold for a matter keeps everything. Erasing a party, or retention's purge,
is refused for as long as any hold is placed, in one line naming the hold and who placed it.

Placing and releasing a hold is for the incident's legal role (from Slack), the operator at the terminal, and the
API key that declared the incident; each is audited and put on the timeline, which the card and the review show.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from incidents.access import Act, ViewerKind, Who, acting, permits
from incidents.access.reading import existing_standing
from incidents.context import Ctx
from incidents.effects import write_entry
from incidents.enums import TimelineKind
from incidents.errors import Forbidden, VigilError
from incidents.guards import required_text
from incidents.models import Incident
from incidents.people import Names
from incidents.queries import incident_to_change
from incidents.record.models import LegalHold

MATTER_MAX = 200
LEGAL_ROLE = "legal"


class Held(VigilError):
    """What was asked would destroy part of an incident under legal hold."""


def place_hold(ctx: Ctx, ref: str, *, actor: str | Who, matter: str, reason: str) -> LegalHold:
    """Hold the incident for ``matter``: its record is kept whole until the hold is released."""
    incident = _for_legal(ctx, ref, actor)
    who = acting(actor).key
    matter = required_text(matter, "matter", label="The matter", limit=MATTER_MAX)
    reason = required_text(reason, "reason", label="The reason for the hold")
    if any(hold.matter == matter for hold in active_holds(ctx.session, incident.id)):
        raise VigilError(f"{incident.ref} is already held for {matter!r}.", field="matter")
    hold = LegalHold(incident_id=incident.id, matter=matter, reason=reason, placed_by=who, placed_at=ctx.now())
    ctx.session.add(hold)
    ctx.session.flush()
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.HOLD,
        actor=who,
        text=f"Legal hold placed for {matter}: {reason}",
        audit_action="hold.place",
        data={"hold": hold.id},
        announce=False,
    )
    return hold


def release_hold(ctx: Ctx, ref: str, *, actor: str | Who, matter: str | None = None) -> list[LegalHold]:
    """Release the incident's hold for ``matter`` (its only hold when None): purge and erasure may run again once
    no hold is left."""
    incident = _for_legal(ctx, ref, actor)
    who = acting(actor).key
    held = active_holds(ctx.session, incident.id)
    if matter is not None:
        held = [hold for hold in held if hold.matter == matter.strip()]
    if not held:
        what = f" for {matter.strip()!r}" if matter else ""
        raise VigilError(f"{incident.ref} has no legal hold{what} to release.", field="matter")
    if matter is None and len(held) > 1:
        matters = ", ".join(repr(hold.matter) for hold in held)
        raise VigilError(f"{incident.ref} is held for {matters}: say which with --matter.", field="matter")
    now = ctx.now()
    for hold in held:
        hold.released_at, hold.released_by = now, who
        write_entry(
            ctx,
            incident,
            kind=TimelineKind.HOLD,
            actor=who,
            text=f"Legal hold for {hold.matter} released.",
            audit_action="hold.release",
            data={"hold": hold.id},
            announce=False,
        )
    return held


def active_holds(session: Session, incident_id: int) -> list[LegalHold]:
    return list(
        session.scalars(
            select(LegalHold)
            .where(LegalHold.incident_id == incident_id, LegalHold.released_at.is_(None))
            .order_by(LegalHold.id)
        )
    )


def all_active_holds(ctx: Ctx) -> Sequence[tuple[str, LegalHold]]:
    """Every hold in place, with its incident's reference, oldest first."""
    rows = ctx.session.execute(
        select(Incident.ref, LegalHold)
        .join(Incident, Incident.id == LegalHold.incident_id)
        .where(LegalHold.released_at.is_(None))
        .order_by(LegalHold.placed_at, LegalHold.id)
    )
    return [(ref, hold) for ref, hold in rows]


def refuse_if_held(session: Session, incident: Incident, doing: str) -> None:
    """:class:`Held`, naming the hold and who placed it, when any hold is in place on ``incident``."""
    held = active_holds(session, incident.id)
    if held:
        hold = held[0]
        raise Held(
            f"{incident.ref} is under legal hold for {hold.matter!r}, placed by {hold.placed_by} on "
            f"{hold.placed_at:%Y-%m-%d}: {doing} is refused until it is released (vigil hold release {incident.ref}).",
            people=(hold.placed_by,),
        )


def describe_hold(ref: str, hold: LegalHold, names: Names) -> str:
    """One line for a terminal: where, which matter, who placed it (by name) and when, and why."""
    placed_by = names.display(hold.placed_by)
    return f"{ref}: {hold.matter} — placed by {placed_by} on {hold.placed_at:%Y-%m-%d %H:%M} UTC ({hold.reason})"


def _for_legal(ctx: Ctx, ref: str, actor: str | Who) -> Incident:
    """The incident, once ``actor`` may place or release its holds: the operator, the API key that declared it,
    or whoever holds its legal role."""
    who = acting(actor)
    found = existing_standing(ctx, who, ref)
    incident = incident_to_change(ctx, found.ref)
    if who.kind is ViewerKind.OPERATOR or who.key in incident.current_holders(LEGAL_ROLE):
        return incident
    api_key = who.kind in (ViewerKind.API_KEY, ViewerKind.API_KEY_ALL_TIERS)
    if api_key and found.member and permits(who, found, Act.EDIT):
        return incident
    raise Forbidden(f"Only {incident.ref}'s legal role can place or release its legal holds.", field="ref")
