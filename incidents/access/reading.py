"""Opening an incident for someone signed in to the web view: decided from one light row, before the incident is
loaded, with every view of a restricted incident and every refusal in the audit log.

A refused incident and a reference never issued take the same path (one light read, one audit event, the same
:class:`NotFound`), so neither the answer nor the time it takes says whether a hidden incident exists.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from incidents.access.members import standing
from incidents.access.policy import Act, Sight, Standing, Who, permits, sight_of
from incidents.access.viewers import Viewer, sight
from incidents.context import Ctx
from incidents.errors import NotFound
from incidents.models import AuditEvent, Incident
from incidents.queries import IncidentFilter, incident_to_show, no_incident
from incidents.record.log import insert_chained
from incidents.refs import REF_LENGTH_MAX, normalise_ref


def existing_standing(ctx: Ctx, who: Who, ref: str) -> Standing:
    """The incident's standing, or the :class:`NotFound` of a reference never issued; for surfaces that then
    refuse in their own words."""
    found = standing(ctx.session, who, ref=ref)
    if found is None:
        raise no_incident(ref)
    return found


def seen_standing(ctx: Ctx, who: Who, ref: str) -> Standing:
    """The incident's standing once ``who`` may know it exists; the same :class:`NotFound` as for a reference never
    issued otherwise, so the answer does not say whether a hidden incident exists."""
    found = existing_standing(ctx, who, ref)
    if not permits(who, found, Act.SEE_INCIDENT):
        raise no_incident(ref)
    return found


def admit(ctx: Ctx, ref: str, viewer: Viewer, *, what: str = "incident") -> tuple[Standing, Sight]:
    """The incident's standing and what ``viewer`` sees of it, or :class:`NotFound` with the same message whether
    the incident is missing or hidden (``web.refused_<what>`` audited either way). A view of a restricted
    incident is audited as ``web.view_<what>``. Nothing of the incident beyond one row is read."""
    found = standing(ctx.session, viewer.who, ref=ref)
    seen = sight_of(viewer.who, found) if found is not None else None
    if found is None or seen is None:
        raise _refused(ctx, viewer, ref, found, what)
    if found.tier.is_restricted:
        _audit(ctx, viewer.key, f"web.view_{what}", found.incident_id, redacted=seen.redacted, tier=found.tier.value)
    return found, seen


def open_incident(ctx: Ctx, ref: str, viewer: Viewer, *, what: str = "incident") -> tuple[Incident, Sight]:
    """:func:`admit`, then the incident with its whole history, and what ``viewer`` sees of it as loaded."""
    found, _ = admit(ctx, ref, viewer, what=what)
    incident = incident_to_show(ctx, found.ref)
    seen = sight(incident, viewer)
    if seen is None:  # its tier or roles changed between the two reads
        raise _refused(ctx, viewer, ref, found, what)
    return incident, seen


def visible(f: IncidentFilter, viewer: Viewer) -> IncidentFilter:
    """``f`` narrowed to what ``viewer`` may list, its text search to titles ``viewer`` may read (the leadership
    group lists every incident, but finds restricted ones by words of their titles only where it is a member)."""
    return replace(f, seen_by=viewer.who, titles_searched_for=viewer.who)


def _refused(ctx: Ctx, viewer: Viewer, ref: str, found: Standing | None, what: str) -> NotFound:
    shown = _recorded(ref)
    _audit_refusal(ctx, viewer, shown, found.incident_id if found is not None else None, what)
    return NotFound(f"No incident {shown!r} that you can see.", field="ref")


def _recorded(ref: str) -> str:
    """The reference as asked for, cut to what a reference can be: a 10 KB path is neither echoed nor stored."""
    cleaned = normalise_ref(ref)
    return cleaned if len(cleaned) <= REF_LENGTH_MAX else cleaned[:REF_LENGTH_MAX] + "…"


def _audit(ctx: Ctx, actor: str, action: str, incident_id: int | None, **details: Any) -> None:
    ctx.session.add(AuditEvent(at=ctx.now(), actor=actor, action=action, incident_id=incident_id, details=details))


def _audit_refusal(ctx: Ctx, viewer: Viewer, ref: str, incident_id: int | None, what: str) -> None:
    """Record ``web.refused_<what>``: who asked for which reference (and which incident, if it exists) and was
    told it does not exist. The refusal is raised out of the caller's unit of work, which then rolls back; so the
    event is written again in a transaction of its own once that rollback has released the connection (it stays
    in the caller's transaction too, for a caller that catches the refusal and commits)."""
    values = {
        "at": ctx.now(),
        "actor": viewer.key,
        "action": f"web.refused_{what}",
        "incident_id": incident_id,
        "details": {"ref": ref},
    }
    ctx.session.add(AuditEvent(**values))
    bind = ctx.session.get_bind()
    assert isinstance(bind, Engine)  # sessions are made by make_sessionmaker(engine)

    def write_after_rollback(_session: Session) -> None:
        with bind.connect() as connection, connection.begin():
            insert_chained(connection, AuditEvent, values)  # with its leaf: no flush sees this row

    event.listen(ctx.session, "after_rollback", write_after_rollback, once=True)
