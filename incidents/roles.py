"""Who holds which role. At most one commander at a time; the commander changes only by an accepted hand-off."""

from __future__ import annotations

from incidents.context import Ctx
from incidents.effects import write_entry
from incidents.enums import HandoffState, TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.models import Handoff, Incident, RoleAssignment
from incidents.outbox import Topic, enqueue
from incidents.queries import incident_to_change

COMMANDER = "commander"


def check_role(ctx: Ctx, role: str) -> str:
    role = role.strip().lower().replace("-", "_")
    if role not in ctx.policy.roles:
        raise VigilError(f"Unknown role {role!r}: use one of {', '.join(ctx.policy.roles)}.", field="role")
    return role


def assign_role(ctx: Ctx, ref: str, *, actor: str, role: str, person: str) -> RoleAssignment:
    """Give ``person`` a role. The first commander may be assigned; later ones come by :func:`handoff`."""
    role = check_role(ctx, role)
    incident = incident_to_change(ctx, ref)
    if not incident.status.is_open:
        raise VigilError(f"{incident.ref} is {incident.status.value}; roles are frozen.")
    if person in incident.current_holders(role):
        raise VigilError(f"They are already {role} on {incident.ref}.", field="person")
    if role == COMMANDER and incident.commander is not None:
        raise VigilError(
            f"{incident.ref} already has a commander; hand off with `handoff` so they accept the role.",
            field="role",
        )
    assignment = _assign(ctx, incident, role, person, actor)
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.ROLE,
        actor=actor,
        text=f"{_name(person)} is now {role}.",
        audit_action="role.assign",
        data={"role": role, "person": person},
    )
    return assignment


def relieve_role(ctx: Ctx, ref: str, *, actor: str, role: str, person: str) -> None:
    role = check_role(ctx, role)
    incident = incident_to_change(ctx, ref)
    if role == COMMANDER:
        raise VigilError("A commander is relieved by handing off to the next one.", field="role")
    current = _current(incident, role, person)
    current.relieved_at = ctx.now()
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.ROLE,
        actor=actor,
        text=f"{_name(person)} is no longer {role}.",
        audit_action="role.relieve",
        data={"role": role, "person": person},
    )


def handoff(ctx: Ctx, ref: str, *, actor: str, to: str) -> Handoff:
    """Ask ``to`` to take command. Nothing changes until they accept; a newer request replaces a pending one."""
    incident = incident_to_change(ctx, ref)
    if not incident.status.is_open:
        raise VigilError(f"{incident.ref} is {incident.status.value}; there is nothing to hand off.")
    if incident.commander == to:
        raise VigilError("They are already the commander.", field="person")
    now = ctx.now()
    for pending in _pending(incident):
        pending.state, pending.settled_at = HandoffState.CANCELLED, now
    request = Handoff(
        incident=incident,
        from_person=incident.commander,
        to_person=to,
        requested_by=actor,
        requested_at=now,
        state=HandoffState.PENDING,
    )
    ctx.session.add(request)
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.HANDOFF,
        actor=actor,
        text=f"Hand-off of command to {_name(to)} requested.",
        audit_action="handoff.request",
        data={"to": to, "from": incident.commander},
    )
    enqueue(ctx.session, Topic.HANDOFF_REQUESTED, now=now, incident_id=incident.id, payload={"handoff_id": request.id})
    return request


def accept_handoff(ctx: Ctx, handoff_id: int, *, actor: str) -> Incident:
    request = _get_handoff(ctx, handoff_id)
    if actor != request.to_person:
        raise VigilError("Only the person the hand-off was offered to can accept it.")
    incident = request.incident
    now = ctx.now()
    for current in incident.roles:
        if current.role == COMMANDER and current.relieved_at is None:
            current.relieved_at = now
    _assign(ctx, incident, COMMANDER, actor, request.requested_by)
    request.state, request.settled_at = HandoffState.ACCEPTED, now
    previous = f" from {_name(request.from_person)}" if request.from_person else ""
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.HANDOFF,
        actor=actor,
        text=f"{_name(actor)} accepted command{previous}.",
        audit_action="handoff.accept",
        data={"to": actor, "from": request.from_person, "handoff_id": request.id},
    )
    return incident


def decline_handoff(ctx: Ctx, handoff_id: int, *, actor: str) -> Handoff:
    request = _get_handoff(ctx, handoff_id)
    if actor != request.to_person:
        raise VigilError("Only the person the hand-off was offered to can decline it.")
    request.state, request.settled_at = HandoffState.DECLINED, ctx.now()
    write_entry(
        ctx,
        request.incident,
        kind=TimelineKind.HANDOFF,
        actor=actor,
        text=f"{_name(actor)} declined the hand-off.",
        audit_action="handoff.decline",
        data={"handoff_id": request.id},
    )
    return request


def _get_handoff(ctx: Ctx, handoff_id: int) -> Handoff:
    request = ctx.session.get(Handoff, handoff_id)
    if request is None:
        raise NotFound("That hand-off does not exist.")
    if request.state is not HandoffState.PENDING:
        raise VigilError(f"That hand-off was already {request.state.value}.")
    if not request.incident.status.is_open:
        raise VigilError(f"{request.incident.ref} is {request.incident.status.value}; the hand-off lapsed.")
    return request


def _assign(ctx: Ctx, incident: Incident, role: str, person: str, actor: str) -> RoleAssignment:
    assignment = RoleAssignment(role=role, person=person, assigned_by=actor, assigned_at=ctx.now())
    incident.roles.append(assignment)
    return assignment


def _current(incident: Incident, role: str, person: str) -> RoleAssignment:
    for assignment in incident.roles:
        if assignment.role == role and assignment.person == person and assignment.relieved_at is None:
            return assignment
    raise VigilError(f"They are not {role} on {incident.ref}.", field="person")


def _pending(incident: Incident) -> list[Handoff]:
    return [h for h in incident.handoffs if h.state is HandoffState.PENDING]


def _name(person: str | None) -> str:
    """People are referred to by key in stored text; adapters render keys as mentions or names."""
    return f"<@{person}>" if person else "nobody"
