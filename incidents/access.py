"""Who may see which incident, and how much of it: the rules every reader (web pages, exports) applies.

- A standard incident is visible to everyone signed in to the workspace.
- A restricted or highly restricted incident is visible to its members (:func:`incidents.queries.is_member`).
- The leadership group sees every incident it is not a member of in the leadership rendering, as its reviews do:
  people as role tokens, no sensitive timeline entries; for standard incidents personal data in free text masked,
  for restricted ones structured facts only (no title, no timeline text).
- Sensitive timeline entries are shown to members only, whatever the tier.
Anyone else is told the incident does not exist (the same answer as for a reference that was never issued), and
the refusal is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import Engine, event, insert
from sqlalchemy.orm import Session

from incidents.context import Ctx
from incidents.effects import audit
from incidents.errors import NotFound
from incidents.models import AuditEvent, Incident
from incidents.queries import IncidentFilter, get_incident, is_member, normalise_ref
from incidents.reviews import Audience


@dataclass(frozen=True)
class Viewer:
    key: str
    """The person key (a Slack user id) the signed-in user maps to."""
    name: str
    email: str | None = None
    leadership: bool = False


def make_viewer(key: str, name: str, email: str | None, leadership_group: Iterable[str]) -> Viewer:
    """The leadership group lists person keys or e-mail addresses (compared without case)."""
    group = {entry.strip().casefold() for entry in leadership_group if entry.strip()}
    leader = key.casefold() in group or bool(email and email.strip().casefold() in group)
    return Viewer(key=key, name=name, email=email, leadership=leader)


@dataclass(frozen=True)
class Sight:
    """How much of one incident a viewer sees."""

    member: bool
    redacted: bool
    structured_only: bool = False
    """Redacted and restricted: built from structured facts alone, no free text at all."""

    @property
    def audience(self) -> Audience:
        return Audience.LEADERSHIP if self.redacted else Audience.TEAM


def sight(incident: Incident, viewer: Viewer) -> Sight | None:
    """None when the viewer may not know the incident exists."""
    if is_member(incident, viewer.key):
        return Sight(member=True, redacted=False)
    if viewer.leadership:
        return Sight(member=False, redacted=True, structured_only=incident.tier.is_restricted)
    return None if incident.tier.is_restricted else Sight(member=False, redacted=False)


def open_incident(ctx: Ctx, ref: str, viewer: Viewer, *, what: str = "incident") -> tuple[Incident, Sight]:
    """The incident as ``viewer`` may see it; every view of a restricted one goes in the audit log
    (``web.view_<what>``). Raises :class:`NotFound` with the same message whether the incident is missing or
    hidden, so a guessed reference reveals nothing."""
    try:
        incident = get_incident(ctx, ref)
    except NotFound:
        incident = None
    seen = sight(incident, viewer) if incident is not None else None
    if incident is None or seen is None:
        _audit_refusal(ctx, viewer, normalise_ref(ref), incident, what)
        raise NotFound(f"No incident {normalise_ref(ref)!r} that you can see.", field="ref")
    if incident.tier.is_restricted:
        audit(ctx, viewer.key, f"web.view_{what}", incident, redacted=seen.redacted, tier=incident.tier.value)
    return incident, seen


def _audit_refusal(ctx: Ctx, viewer: Viewer, ref: str, incident: Incident | None, what: str) -> None:
    """Record ``web.refused_<what>``: who asked for which reference (and which incident, if it exists) and was
    told it does not exist. The refusal is raised out of the caller's unit of work, which then rolls back; so the
    event is written again in a transaction of its own once that rollback has released the connection (it stays
    in the caller's transaction too, for a caller that catches the refusal and commits)."""
    values = {
        "at": ctx.now(),
        "actor": viewer.key,
        "action": f"web.refused_{what}",
        "incident_id": incident.id if incident is not None else None,
        "details": {"ref": ref},
    }
    ctx.session.add(AuditEvent(**values))
    bind = ctx.session.get_bind()
    assert isinstance(bind, Engine)  # sessions are made by make_sessionmaker(engine)

    def write_after_rollback(_session: Session) -> None:
        with bind.connect() as connection, connection.begin():
            connection.execute(insert(AuditEvent), [values])

    event.listen(ctx.session, "after_rollback", write_after_rollback, once=True)


def visible(f: IncidentFilter, viewer: Viewer) -> IncidentFilter:
    """``f`` narrowed to what ``viewer`` may list (leadership lists every incident, redacted where restricted, and
    finds restricted ones by words of their titles only where they are members)."""
    if viewer.leadership:
        return replace(f, titles_searched_for=viewer.key)
    return replace(f, visible_to=viewer.key)
