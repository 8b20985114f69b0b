"""Who may see which incident, and how much of it: the rules every reader (web pages, exports) applies.

- A standard incident is visible to everyone signed in to the workspace.
- A restricted or highly restricted incident is visible to its members (:func:`incidents.queries.is_member`) and
  to the leadership group, who see it redacted: people as role tokens, personal data masked, no sensitive
  timeline entries, the leadership version of the review.
- Sensitive timeline entries are shown to members only, whatever the tier.
Anyone else is told the incident does not exist (the same answer as for a reference that was never issued).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from incidents.context import Ctx
from incidents.effects import audit
from incidents.errors import NotFound
from incidents.models import Incident
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

    @property
    def audience(self) -> Audience:
        return Audience.LEADERSHIP if self.redacted else Audience.TEAM


def sight(incident: Incident, viewer: Viewer) -> Sight | None:
    """None when the viewer may not know the incident exists."""
    member = is_member(incident, viewer.key)
    if member or not incident.tier.is_restricted:
        return Sight(member=member, redacted=False)
    return Sight(member=False, redacted=True) if viewer.leadership else None


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
        raise NotFound(f"No incident {normalise_ref(ref)!r} that you can see.", field="ref")
    if incident.tier.is_restricted:
        audit(ctx, viewer.key, f"web.view_{what}", incident, redacted=seen.redacted, tier=incident.tier.value)
    return incident, seen


def visible(f: IncidentFilter, viewer: Viewer) -> IncidentFilter:
    """``f`` narrowed to what ``viewer`` may list (leadership lists every incident, redacted where restricted)."""
    return f if viewer.leadership else replace(f, visible_to=viewer.key)
