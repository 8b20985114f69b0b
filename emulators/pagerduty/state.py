"""The PagerDuty account the emulator keeps: people, policies, services, incidents, and how events change them.

Everything changes under one lock, because the aiohttp handlers (emulator thread) and the test-facing helpers (the
test's thread) both write. Each incident change that PagerDuty would announce is handed to the listeners while the
lock is held, so a webhook body is rendered from the incident exactly as it was at that moment.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulators.pagerduty.model import (
    EscalationPolicy,
    Incident,
    IncidentEvent,
    IncidentStatus,
    Schedule,
    Service,
    User,
    new_id,
    now,
)

WEB_URL = "https://vigil-emulator.pagerduty.com"


@dataclass(frozen=True)
class Change:
    """An incident change PagerDuty announces as a v3 webhook event (``incident.acknowledged`` ...).

    ``agent`` is who caused it: a :class:`User` for a person acting in PagerDuty, the :class:`Service` for an
    Events API event (its integration acted), ``None`` for PagerDuty itself (an escalation timeout).
    """

    event_type: str
    incident: Incident
    agent: User | Service | None
    at: datetime


class PagerDutyState:
    """The account's objects plus the incident life cycle driven by Events API events and by people."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.base_url = ""
        self.web_url = WEB_URL
        self.users: dict[str, User] = {}
        self.schedules: dict[str, Schedule] = {}
        self.policies: dict[str, EscalationPolicy] = {}
        self.services: dict[str, Service] = {}
        self.incidents: list[Incident] = []
        self.listeners: list[Callable[[Change], None]] = []

    # lookups ----------------------------------------------------------------------------------------------

    def service_for_key(self, routing_key: str) -> Service | None:
        """The service whose Events API integration has this routing key."""
        return next((s for s in self.services.values() if s.integration_key == routing_key), None)

    def open_incident(self, service: Service, dedup_key: str) -> Incident | None:
        """The open incident with this dedup key on this service (keys are per service, as in PagerDuty)."""
        return next(
            (i for i in self.incidents if i.service is service and i.dedup_key == dedup_key and i.is_open),
            None,
        )

    # Events API -------------------------------------------------------------------------------------------

    def apply_event(self, service: Service, event: dict[str, Any]) -> str:
        """Apply a validated Events API v2 event to ``service``; returns its dedup key.

        A trigger with the key of an open incident is logged on it and opens nothing; acknowledge and resolve
        apply to the open incident with the key and are dropped (still accepted) when there is none.
        """
        action = event["event_action"]
        dedup_key = event.get("dedup_key") or uuid.uuid4().hex
        body = {k: v for k, v in event.items() if k != "routing_key"}
        with self.lock:
            incident = self.open_incident(service, dedup_key)
            payload = event.get("payload") or {}
            record = IncidentEvent(action, now(), payload.get("summary"), body)
            if action == "trigger" and incident is None:
                self._open(service, dedup_key, event, record)
            elif incident is not None:
                incident.events.append(record)
                if action == "acknowledge" and incident.status == "triggered":
                    self._set_status(incident, "acknowledged", None, service)
                elif action == "resolve":
                    self._set_status(incident, "resolved", incident.acknowledged_by, service)
        return dedup_key

    def _open(self, service: Service, dedup_key: str, event: dict[str, Any], record: IncidentEvent) -> Incident:
        payload = event["payload"]
        incident = Incident(
            id=new_id("Q", 14),
            number=len(self.incidents) + 1,
            service=service,
            dedup_key=dedup_key,
            summary=payload["summary"],
            severity=payload["severity"],
            source=payload["source"],
            custom_details=dict(payload.get("custom_details") or {}),
            links=list(event.get("links") or []),
            created_at=record.at,
            assignees=service.escalation_policy.users_at(1),
            events=[record],
        )
        self.incidents.append(incident)
        self._emit("incident.triggered", incident, service)
        return incident

    # REST API -------------------------------------------------------------------------------------------

    def open_by_hand(
        self,
        service: Service,
        *,
        title: str,
        incident_key: str | None,
        urgency: str,
        details: Any,
        assignees: list[User],
        by: User,
    ) -> Incident:
        """Open an incident as ``POST /incidents`` does (the caller checked that no open incident on ``service``
        has ``incident_key``): assigned to ``assignees``, else to the first level of the service's policy."""
        with self.lock:
            incident = Incident(
                id=new_id("Q", 14),
                number=len(self.incidents) + 1,
                service=service,
                dedup_key=incident_key or uuid.uuid4().hex,
                summary=title,
                severity="",
                source="",
                custom_details={},
                links=[],
                created_at=now(),
                assignees=assignees or service.escalation_policy.users_at(1),
                urgency=urgency,
                details=details,
                created_by=by,
            )
            self.incidents.append(incident)
            self._emit("incident.triggered", incident, by)
            return incident

    # people acting in PagerDuty -------------------------------------------------------------------------

    def acknowledge(self, incident: Incident, by: User | Service | None) -> None:
        """Acknowledge an open incident (again, if somebody else already did: PagerDuty announces each)."""
        with self.lock:
            if not incident.is_open:
                raise ValueError(f"incident {incident.id} is already resolved")
            self._set_status(incident, "acknowledged", by if isinstance(by, User) else None, by)

    def resolve(self, incident: Incident, by: User | Service | None) -> None:
        """Resolve an open incident."""
        with self.lock:
            if not incident.is_open:
                raise ValueError(f"incident {incident.id} is already resolved")
            self._set_status(incident, "resolved", incident.acknowledged_by, by)

    def escalate(self, incident: Incident, by: User | None) -> None:
        """Move an open incident to the next level of its policy: it is triggered again, for the next people."""
        with self.lock:
            if not incident.is_open:
                raise ValueError(f"incident {incident.id} is already resolved")
            policy = incident.service.escalation_policy
            higher = [level for level in policy.levels() if level > incident.escalation_level]
            if not higher:
                raise ValueError(f"Cannot Escalate: {policy.name} has no level above {incident.escalation_level}")
            incident.escalation_level = higher[0]
            incident.assignees = policy.users_at(higher[0])
            incident.status, incident.acknowledged_by = "triggered", None
            self._emit("incident.escalated", incident, by)

    def _set_status(
        self, incident: Incident, status: IncidentStatus, acknowledged_by: User | None, agent: User | Service | None
    ) -> None:
        incident.status = status
        incident.acknowledged_by = acknowledged_by
        self._emit(f"incident.{status}", incident, agent)

    def _emit(self, event_type: str, incident: Incident, agent: User | Service | None) -> None:
        change = Change(event_type, incident, agent, now())
        for listener in self.listeners:
            listener(change)
