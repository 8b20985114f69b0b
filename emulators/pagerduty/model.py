"""Plain records held by the PagerDuty emulator, and the id and time formats PagerDuty uses.

They mirror what PagerDuty stores, not what it renders: the REST layer and the webhook layer each derive their
JSON from these one source of truth (see :mod:`emulators.pagerduty.render`).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

IncidentStatus = Literal["triggered", "acknowledged", "resolved"]
OPEN: tuple[IncidentStatus, ...] = ("triggered", "acknowledged")
_ID_ALPHABET = string.ascii_uppercase + string.digits


def new_id(prefix: str = "P", length: int = 7) -> str:
    """A PagerDuty-style object id (``PABC123``); incidents use the longer ``Q`` form (``Q0RIJJZL24RC6W``)."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length - len(prefix)))


def now() -> datetime:
    """Current UTC time; one helper so every timestamp shares a timezone."""
    return datetime.now(UTC)


def iso(moment: datetime, millis: bool = False) -> str:
    """PagerDuty's timestamp text: ``2020-04-09T15:16:27Z`` (REST) or with milliseconds (webhook ``occurred_at``)."""
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class User:
    """A PagerDuty user (a person who can be on call and acknowledge)."""

    id: str
    name: str
    email: str
    time_zone: str = "Etc/UTC"
    role: str = "user"


@dataclass
class Schedule:
    """An on-call schedule; the emulator has no rotations, :meth:`PagerDutyEmulator.set_on_call` fills it."""

    id: str
    name: str


@dataclass
class OnCall:
    """One person on call at one level of an escalation policy, directly or through a schedule."""

    user: User
    level: int
    schedule: Schedule | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass
class EscalationPolicy:
    """An escalation policy; ``on_call`` lists who is on call at each level (1 is paged first)."""

    id: str
    name: str
    on_call: list[OnCall] = field(default_factory=list)

    def levels(self) -> list[int]:
        """The levels that have somebody on call, in order."""
        return sorted({entry.level for entry in self.on_call})

    def users_at(self, level: int) -> list[User]:
        """Who is paged at ``level``."""
        return [entry.user for entry in self.on_call if entry.level == level]


@dataclass
class Service:
    """A service with one Events API v2 integration; ``integration_key`` is the routing key events carry."""

    id: str
    name: str
    escalation_policy: EscalationPolicy
    integration_key: str
    integration_id: str
    created_at: datetime = field(default_factory=now)


@dataclass(frozen=True)
class IncidentEvent:
    """One Events API event applied to an incident (trigger, acknowledge or resolve), as PagerDuty logs it."""

    action: str
    at: datetime
    summary: str | None = None
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class Incident:
    """An incident on a service, opened by a trigger event (one alert per incident, as with default grouping) or by
    a person through the REST API."""

    id: str
    number: int
    service: Service
    dedup_key: str
    summary: str
    severity: str
    source: str
    custom_details: dict[str, Any]
    links: list[dict[str, Any]]
    created_at: datetime
    status: IncidentStatus = "triggered"
    escalation_level: int = 1
    assignees: list[User] = field(default_factory=list)
    acknowledged_by: User | None = None
    events: list[IncidentEvent] = field(default_factory=list)
    urgency: str = "high"
    details: Any = None
    """The ``body.details`` of an incident opened through the REST API (``POST /incidents``)."""
    created_by: User | None = None
    """Who opened it through the REST API (its ``From``); None for one an Events API event opened."""

    @property
    def is_open(self) -> bool:
        """Triggered or acknowledged: further events with its dedup key apply to it."""
        return self.status in OPEN
