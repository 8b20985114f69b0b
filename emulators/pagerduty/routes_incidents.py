"""REST API v2 incidents: ``POST /incidents`` (an incident opened by hand, which is how a person is paged: assigned
to their user), ``GET /incidents`` and ``PUT /incidents/{id}`` (acknowledge, resolve).

As PagerDuty's: the token is checked first (401, code 2006); a write needs a ``From`` header with the e-mail of one
of the account's users; ``incident.type``, ``title`` and ``service`` (a ``service_reference`` to an existing
service) are required; ``urgency`` is ``high`` or ``low``; ``assignments`` reference existing users and cannot come
with an ``escalation_policy``; a second open incident with the same ``incident_key`` on the service is refused.
Every refusal is ``400 Invalid Input Provided`` (code 2001) with an ``errors`` list (their wording is the
emulator's). ``GET /incidents`` filters by ``incident_key``, ``statuses[]`` and ``service_ids[]``, paginated like
the other indexes.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from emulators.pagerduty.keys import STATE
from emulators.pagerduty.model import Incident, User
from emulators.pagerduty.render import incident_rest_json
from emulators.pagerduty.routes_rest import RestError, authenticated, not_found, page
from emulators.pagerduty.state import PagerDutyState

INVALID = "Invalid Input Provided"
URGENCIES = ("high", "low")
SETTABLE = ("acknowledged", "resolved")


def _invalid(*errors: str) -> RestError:
    return RestError(400, INVALID, 2001, list(errors))


def _sender(request: web.Request, state: PagerDutyState) -> User:
    """The user the ``From`` header names (case-insensitively, as PagerDuty compares e-mails)."""
    email = request.headers.get("From", "").strip().casefold()
    user = next((u for u in state.users.values() if email and u.email.casefold() == email), None)
    if user is None:
        raise _invalid("The From header must be the e-mail address of a user of this account.")
    return user


async def _incident_body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        raise _invalid("The request body is not valid JSON.") from None
    incident = body.get("incident") if isinstance(body, dict) else None
    if not isinstance(incident, dict):
        raise _invalid("incident must be an object.")
    return incident


def _referenced(value: object, kind: str) -> str | None:
    """The id of a ``<kind>_reference`` object, if ``value`` is one."""
    if isinstance(value, dict) and value.get("type") == f"{kind}_reference" and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _assignees(state: PagerDutyState, assignments: object, errors: list[str]) -> list[User]:
    if assignments is None:
        return []
    if not isinstance(assignments, list):
        errors.append("assignments must be a list.")
        return []
    users = []
    for assignment in assignments:
        user_id = _referenced(assignment.get("assignee") if isinstance(assignment, dict) else None, "user")
        user = state.users.get(user_id) if user_id is not None else None
        if user is None:
            errors.append("Each assignment's assignee must be a user_reference to a user of this account.")
            return []
        users.append(user)
    return users


async def create_incident(request: web.Request) -> web.Response:
    """``POST /incidents``: validate, then open the incident (announced to webhooks as ``incident.triggered``)."""
    fields = await _incident_body(request)
    state = request.app[STATE]
    with state.lock:
        by = _sender(request, state)
        errors: list[str] = []
        if fields.get("type") != "incident":
            errors.append("incident type must be incident.")
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            errors.append("Title cannot be empty.")
        service_id = _referenced(fields.get("service"), "service")
        service = state.services.get(service_id) if service_id is not None else None
        if service is None:
            errors.append("service must be a service_reference to a service of this account.")
        urgency = fields.get("urgency", "high")
        if urgency not in URGENCIES:
            errors.append("urgency must be high or low.")
        assignees = _assignees(state, fields.get("assignments"), errors)
        if fields.get("assignments") and fields.get("escalation_policy") is not None:
            errors.append("Cannot specify both assignments and an escalation policy.")
        key = fields.get("incident_key")
        if key is not None and not isinstance(key, str):
            errors.append("incident_key must be a string.")
        if errors:
            raise _invalid(*errors)
        assert service is not None and isinstance(title, str)
        if isinstance(key, str) and state.open_incident(service, key) is not None:
            raise _invalid(f"Open incident with key '{key}' already exists.")
        body = fields.get("body")
        incident = state.open_by_hand(
            service,
            title=title,
            incident_key=key,
            urgency=str(urgency),
            details=body.get("details") if isinstance(body, dict) else None,
            assignees=assignees,
            by=by,
        )
        return web.json_response({"incident": incident_rest_json(state, incident)}, status=201)


async def list_incidents(request: web.Request) -> web.Response:
    """``GET /incidents`` filtered by ``incident_key``, ``statuses[]`` and ``service_ids[]``."""
    state = request.app[STATE]
    key = request.query.get("incident_key")
    statuses = set(request.query.getall("statuses[]", []))
    services = set(request.query.getall("service_ids[]", []))
    with state.lock:
        found = [
            incident_rest_json(state, i)
            for i in state.incidents
            if (key is None or i.dedup_key == key)
            and (not statuses or i.status in statuses)
            and (not services or i.service.id in services)
        ]
    return page(request, "incidents", found)


async def update_incident(request: web.Request) -> web.Response:
    """``PUT /incidents/{id}``: acknowledge or resolve, as the ``From`` user."""
    fields = await _incident_body(request)
    state = request.app[STATE]
    with state.lock:
        by = _sender(request, state)
        incident: Incident | None = next((i for i in state.incidents if i.id == request.match_info["id"]), None)
        if incident is None:
            raise not_found()
        status = fields.get("status")
        if fields.get("type") not in ("incident", "incident_reference") or status not in SETTABLE:
            raise _invalid("incident must be an incident_reference with status acknowledged or resolved.")
        if not incident.is_open:
            raise _invalid(f"Incident {incident.id} is already resolved.")
        if status == "resolved":
            state.resolve(incident, by)
        elif incident.status != "acknowledged":
            state.acknowledge(incident, by)
        return web.json_response({"incident": incident_rest_json(state, incident)})


def register(router: web.UrlDispatcher) -> None:
    """Add the incident routes."""
    router.add_post("/incidents", authenticated(create_incident))
    router.add_get("/incidents", authenticated(list_incidents))
    router.add_put("/incidents/{id}", authenticated(update_incident))
