"""Jira Service Management (Opsgenie's successor) alerts: integrations, alerts and the asynchronous requests.

JSM's alert API is asynchronous: a create, close or acknowledge is answered ``202 Request will be processed`` with
a ``requestId``, and what actually happened (created, de-duplicated, "Alert does not exist") is only learned from
``GET .../alerts/requests/{requestId}``. The emulator processes at once but keeps exactly that split, so a client
that treats 202 as "done" is not rewarded for it. An open alert with the alias of a new one is de-duplicated: its
``count`` goes up and no alert is created.

Each alert action (``Create``, ``Acknowledge``, ``Close``), by an integration or by a person in JSM's app, is handed
to the listeners as a :class:`JsmChange` while the lock is held, as JSM's outgoing webhooks see it
(:mod:`emulators.pagerduty.jsm_webhooks`).
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulators.pagerduty.model import now


@dataclass
class JsmIntegration:
    """An API integration; its ``api_key`` goes in ``Authorization: GenieKey <key>``. Disabled ones get 403."""

    id: str
    name: str
    api_key: str
    enabled: bool = True


@dataclass
class Alert:
    """A JSM alert as stored (``details`` holds ``details`` and ``extraProperties`` merged)."""

    id: str
    tiny_id: str
    alias: str
    message: str
    description: str
    priority: str
    responders: list[dict[str, Any]]
    visible_to: list[dict[str, Any]]
    tags: list[str]
    details: dict[str, str]
    entity: str
    source: str
    integration_id: str
    created_at: datetime
    updated_at: datetime
    status: str = "open"
    acknowledged: bool = False
    owner: str = ""
    count: int = 1
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AlertRequest:
    """The outcome of one asynchronous request, as ``GET .../alerts/requests/{id}`` reports it."""

    id: str
    action: str
    integration_id: str
    processed_at: datetime
    success: bool
    status: str
    alert_id: str | None
    alias: str | None

    def as_json(self) -> dict[str, Any]:
        """The ``data`` object of the request-status answer."""
        processed = self.processed_at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.processed_at.microsecond // 1000:03d}Z"
        data: dict[str, Any] = {
            "success": self.success,
            "action": self.action,
            "processedAt": processed,
            "integrationId": self.integration_id,
            "isSuccess": self.success,
            "status": self.status,
        }
        if self.alert_id is not None:
            data |= {"alertId": self.alert_id, "alias": self.alias}
        return data


@dataclass(frozen=True)
class JsmChange:
    """One alert action as JSM's webhooks report it: ``action`` (``Create``, ``Acknowledge``, ``Close``), who did
    it (``username``: a person's e-mail, or an integration's name) and through what (``source``: ``web`` for a
    person in JSM's app, ``API`` for an integration)."""

    action: str
    alert: Alert
    username: str
    source: dict[str, str]
    at: datetime


class JsmState:
    """Integrations, alerts and processed requests, under one lock (handlers and tests both touch them)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.integrations: dict[str, JsmIntegration] = {}
        self.alerts: list[Alert] = []
        self.requests: dict[str, AlertRequest] = {}
        self.listeners: list[Callable[[JsmChange], None]] = []

    def add_integration(self, name: str, enabled: bool = True) -> JsmIntegration:
        """A new API integration with a fresh key (a UUID, as JSM's are)."""
        integration = JsmIntegration(str(uuid.uuid4()), name, str(uuid.uuid4()), enabled)
        with self.lock:
            self.integrations[integration.api_key] = integration
        return integration

    def find(self, identifier: str, identifier_type: str) -> Alert | None:
        """The alert named by id, tiny id or alias (the open one, for an alias: aliases are reused after close)."""
        with self.lock:
            if identifier_type == "alias":
                return next((a for a in self.alerts if a.alias == identifier and a.status == "open"), None)
            attribute = "tiny_id" if identifier_type == "tiny" else "id"
            return next((a for a in self.alerts if getattr(a, attribute) == identifier), None)

    def _record(self, action: str, integration: JsmIntegration, status: str, alert: Alert | None) -> AlertRequest:
        request = AlertRequest(
            str(uuid.uuid4()),
            action,
            integration.id,
            now(),
            alert is not None,
            status,
            alert.id if alert else None,
            alert.alias if alert else None,
        )
        self.requests[request.id] = request
        return request

    def create(self, integration: JsmIntegration, fields: dict[str, Any]) -> AlertRequest:
        """Create an alert from validated fields, or count a duplicate of the open alert with the same alias."""
        with self.lock:
            alias = fields.get("alias") or str(uuid.uuid4())
            existing = self.find(alias, "alias")
            if existing is not None:
                existing.count += 1
                existing.updated_at = now()
                return self._record("Create", integration, "Alert is deduplicated; count incremented", existing)
            moment = now()
            details = {str(k): str(v) for k, v in (fields.get("details") or {}).items()}
            details |= {str(k): str(v) for k, v in (fields.get("extraProperties") or {}).items()}
            alert = Alert(
                id=str(uuid.uuid4()),
                tiny_id=str(len(self.alerts) + 1),
                alias=alias,
                message=fields["message"],
                description=fields.get("description", ""),
                priority=fields.get("priority", "P3"),
                responders=list(fields.get("responders") or []),
                visible_to=list(fields.get("visibleTo") or []),
                tags=list(fields.get("tags") or []),
                details=details,
                entity=fields.get("entity", ""),
                source=fields.get("source", ""),
                integration_id=integration.id,
                created_at=moment,
                updated_at=moment,
                notes=[fields["note"]] if fields.get("note") else [],
            )
            self.alerts.append(alert)
            self._emit("Create", alert, fields.get("user") or integration.name, _api(integration))
            return self._record("Create", integration, "Created alert", alert)

    def act(
        self, integration: JsmIntegration, action: str, alert: Alert | None, fields: dict[str, Any]
    ) -> AlertRequest:
        """Close or acknowledge ``alert``; a missing or closed alert makes a failed (still 202) request."""
        label = "Close" if action == "close" else "Acknowledge"
        with self.lock:
            if alert is None or alert.status == "closed":
                return self._record(label, integration, "Alert does not exist", None)
            self._apply(label, alert, fields.get("user") or integration.name, _api(integration), fields.get("note"))
            status = "Closed alert" if action == "close" else "Acknowledged alert"
            return self._record(label, integration, status, alert)

    def by_person(self, action: str, alert: Alert, username: str) -> None:
        """``username`` (a person's e-mail) acknowledges or closes ``alert`` in JSM's app."""
        with self.lock:
            if alert.status == "closed":
                raise ValueError(f"alert {alert.tiny_id} is closed")
            self._apply(action, alert, username, {"name": "", "type": "web"}, None)

    def _apply(self, action: str, alert: Alert, username: str, source: dict[str, str], note: str | None) -> None:
        if action == "Close":
            alert.status = "closed"
        else:
            alert.acknowledged = True
            alert.owner = username
        alert.updated_at = now()
        if note:
            alert.notes.append(note)
        self._emit(action, alert, username, source)

    def _emit(self, action: str, alert: Alert, username: str, source: dict[str, str]) -> None:
        change = JsmChange(action, alert, username, source, alert.updated_at)
        for listener in self.listeners:
            listener(change)


def _api(integration: JsmIntegration) -> dict[str, str]:
    """The ``source`` of an action an API integration took."""
    return {"name": integration.name, "type": "API"}


def new_key() -> str:
    """A random API key in JSM's UUID format (for tests that need a well-formed unknown key)."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
