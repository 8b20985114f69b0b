"""JSON shapes of PagerDuty objects, shared by the REST API and the v3 webhooks.

References carry ``self`` (the REST URL, under the emulator's base URL so a client can follow it) and ``html_url``
(the web app's URL, under a made-up account subdomain), as PagerDuty's do.
"""

from __future__ import annotations

from typing import Any

from emulators.pagerduty.model import EscalationPolicy, Incident, OnCall, Schedule, Service, User, iso
from emulators.pagerduty.state import PagerDutyState

_PLURAL = {"escalation_policy": "escalation_policies"}


def reference(state: PagerDutyState, kind: str, id_: str, summary: str) -> dict[str, Any]:
    """A ``<kind>_reference`` object."""
    plural = _PLURAL.get(kind, kind + "s")
    return {
        "id": id_,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{state.base_url}/{plural}/{id_}",
        "html_url": f"{state.web_url}/{plural}/{id_}",
    }


def user_ref(state: PagerDutyState, user: User) -> dict[str, Any]:
    """A ``user_reference``."""
    return reference(state, "user", user.id, user.name)


def policy_ref(state: PagerDutyState, policy: EscalationPolicy) -> dict[str, Any]:
    """An ``escalation_policy_reference``."""
    return reference(state, "escalation_policy", policy.id, policy.name)


def schedule_ref(state: PagerDutyState, schedule: Schedule) -> dict[str, Any]:
    """A ``schedule_reference``."""
    return reference(state, "schedule", schedule.id, schedule.name)


def service_ref(state: PagerDutyState, service: Service) -> dict[str, Any]:
    """A ``service_reference``."""
    return reference(state, "service", service.id, service.name)


def _full(ref: dict[str, Any], kind: str) -> dict[str, Any]:
    return ref | {"type": kind}


def user_json(state: PagerDutyState, user: User) -> dict[str, Any]:
    """A full ``user``, as ``GET /users`` lists it."""
    return _full(user_ref(state, user), "user") | {
        "name": user.name,
        "email": user.email,
        "time_zone": user.time_zone,
        "role": user.role,
        "description": None,
        "job_title": None,
        "teams": [],
    }


def service_json(state: PagerDutyState, service: Service) -> dict[str, Any]:
    """A full ``service`` with its escalation policy and its one Events API v2 integration (by reference)."""
    integration = reference(state, "generic_events_api_inbound_integration", service.integration_id, "Events API v2")
    integration["self"] = f"{state.base_url}/services/{service.id}/integrations/{service.integration_id}"
    return _full(service_ref(state, service), "service") | {
        "name": service.name,
        "description": None,
        "status": "active",
        "created_at": iso(service.created_at),
        "escalation_policy": policy_ref(state, service.escalation_policy),
        "integrations": [integration],
        "teams": [],
        "alert_creation": "create_alerts_and_incidents",
    }


def policy_json(state: PagerDutyState, policy: EscalationPolicy) -> dict[str, Any]:
    """A full ``escalation_policy``, one rule per level; schedule entries target the schedule."""
    rules = []
    for level in policy.levels():
        targets: list[dict[str, Any]] = []
        for entry in (e for e in policy.on_call if e.level == level):
            target = schedule_ref(state, entry.schedule) if entry.schedule else user_ref(state, entry.user)
            if target not in targets:
                targets.append(target)
        rules.append({"id": f"R{policy.id[1:]}{level}", "escalation_delay_in_minutes": 30, "targets": targets})
    return _full(policy_ref(state, policy), "escalation_policy") | {
        "name": policy.name,
        "escalation_rules": rules,
        "num_loops": 0,
        "services": [service_ref(state, s) for s in state.services.values() if s.escalation_policy is policy],
        "teams": [],
    }


def oncall_json(state: PagerDutyState, policy: EscalationPolicy, entry: OnCall) -> dict[str, Any]:
    """One ``oncalls`` entry; ``start``/``end`` are null for people put on the policy directly, as in PagerDuty."""
    return {
        "escalation_policy": policy_ref(state, policy),
        "escalation_level": entry.level,
        "schedule": schedule_ref(state, entry.schedule) if entry.schedule else None,
        "user": user_ref(state, entry.user),
        "start": iso(entry.start) if entry.start else None,
        "end": iso(entry.end) if entry.end else None,
    }


def agent_json(state: PagerDutyState, agent: User | Service | None) -> dict[str, Any] | None:
    """A webhook event's ``agent``: the person, the service whose integration sent the event, or null."""
    if isinstance(agent, User):
        return user_ref(state, agent)
    if isinstance(agent, Service):
        return service_ref(state, agent)
    return None


def incident_json(state: PagerDutyState, incident: Incident) -> dict[str, Any]:
    """The ``incident`` a v3 webhook carries as ``event.data``."""
    return {
        "id": incident.id,
        "type": "incident",
        "self": f"{state.base_url}/incidents/{incident.id}",
        "html_url": f"{state.web_url}/incidents/{incident.id}",
        "number": incident.number,
        "status": incident.status,
        "incident_key": incident.dedup_key,
        "created_at": iso(incident.created_at),
        "title": incident.summary,
        "service": service_ref(state, incident.service),
        "assignees": [user_ref(state, user) for user in incident.assignees],
        "escalation_policy": policy_ref(state, incident.service.escalation_policy),
        "teams": [],
        "priority": None,
        "urgency": incident.urgency,
        "conference_bridge": None,
        "resolve_reason": None,
    }


def incident_rest_json(state: PagerDutyState, incident: Incident) -> dict[str, Any]:
    """An ``incident`` as the REST API answers it (``POST /incidents``, ``GET /incidents``)."""
    shown = incident_json(state, incident)
    del shown["number"]
    return shown | {
        "summary": f"[#{incident.number}] {incident.summary}",
        "incident_number": incident.number,
        "assignments": [{"at": iso(incident.created_at), "assignee": user_ref(state, u)} for u in incident.assignees],
        "body": {"type": "incident_body", "details": incident.details},
    }
