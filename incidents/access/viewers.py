"""People reading the web view (and its CSV, from the web or ``vigil export``): who they are, and how much of an
incident each of them sees, as :mod:`incidents.access.policy` decides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from incidents.access.members import standing_of
from incidents.access.policy import Sight, ViewerKind, Who, sight_of
from incidents.models import Incident


@dataclass(frozen=True)
class Viewer:
    key: str
    """The person key (a Slack user id) the signed-in user maps to."""
    name: str
    email: str | None = None
    leadership: bool = False

    @property
    def who(self) -> Who:
        return Who(ViewerKind.LEADERSHIP if self.leadership else ViewerKind.PERSON, self.key)


def make_viewer(key: str, name: str, email: str | None, leadership_group: Iterable[str]) -> Viewer:
    """The leadership group lists person keys or e-mail addresses (compared without case)."""
    group = {entry.strip().casefold() for entry in leadership_group if entry.strip()}
    leader = key.casefold() in group or bool(email and email.strip().casefold() in group)
    return Viewer(key=key, name=name, email=email, leadership=leader)


def sight(incident: Incident, viewer: Viewer | Who) -> Sight | None:
    """How much of a loaded incident ``viewer`` sees; None when it may not know the incident exists."""
    who = viewer.who if isinstance(viewer, Viewer) else viewer
    return sight_of(who, standing_of(incident, who))
