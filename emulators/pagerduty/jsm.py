"""Jira Service Management alert API routes, served by the same emulator process and port as PagerDuty.

Atlassian serves them at ``https://api.atlassian.com/jsm/ops/integration/v2/alerts``; here they sit under the same
path on the emulator's URL, so one emulator (one TLS listener, one fault plan, one request log) covers both paging
services Vigil can talk to. Authentication is ``Authorization: GenieKey <integration key>``: 401 without a known
key, 403 for a disabled integration. Validation failures answer 422 with JSM's envelope (``message``, an
``errors`` map naming the fields, ``took``, ``requestId``). Lengths are enforced, not truncated, so a client that
sends too much shows up in tests.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from emulators.pagerduty.jsm_state import JsmIntegration, JsmState
from emulators.pagerduty.keys import JSM

Handler = Callable[[web.Request], Awaitable[web.Response]]
PREFIX = "/jsm/ops/integration/v2/alerts"
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
RESPONDER_TYPES = ("user", "team", "escalation", "schedule")
IDENTIFIER_TYPES = ("id", "alias", "tiny")
UNPROCESSABLE = "Request body is not processable. Please check the errors."
# field -> maximum length, for the optional strings of a create request
_CREATE_LIMITS = {"alias": 512, "description": 15000, "entity": 512, "source": 100, "user": 100, "note": 25000}
_ACTION_LIMITS = {"user": 100, "source": 100, "note": 25000}


class JsmError(Exception):
    """Raised by handlers; turned into JSM's ``{"message", "took", "requestId"}`` envelope."""

    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(status, message, errors)
        self.status, self.message, self.errors = status, message, errors


def _answer(status: int, body: dict[str, Any], started: float) -> web.Response:
    took = round(time.monotonic() - started, 3)
    return web.json_response(body | {"took": took, "requestId": str(uuid.uuid4())}, status=status)


def _integration(request: web.Request) -> JsmIntegration:
    header = request.headers.get("Authorization", "")
    key = header.removeprefix("GenieKey ").strip() if header.startswith("GenieKey ") else ""
    integration = request.app[JSM].integrations.get(key)
    if integration is None:
        raise JsmError(401, "Could not authenticate")
    if not integration.enabled:
        raise JsmError(403, "Integration is disabled")
    return integration


async def _body(request: web.Request, required: bool) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip() and not required:
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise JsmError(422, UNPROCESSABLE, {"body": "Request body is not valid JSON."}) from None
    if not isinstance(body, dict):
        raise JsmError(422, UNPROCESSABLE, {"body": "Request body must be a JSON object."})
    return body


def _check_lengths(body: dict[str, Any], limits: dict[str, int], errors: dict[str, str]) -> None:
    for name, limit in limits.items():
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[name] = f"{name} must be a string."
        elif len(value) > limit:
            errors[name] = f"{name} can not be longer than {limit} characters."


def _check_recipients(body: dict[str, Any], name: str, types: tuple[str, ...], errors: dict[str, str]) -> None:
    items = body.get(name)
    if items is None:
        return
    if not isinstance(items, list) or len(items) > 50:
        errors[name] = f"{name} must be a list of at most 50 recipients."
        return
    for item in items:
        if not isinstance(item, dict) or item.get("type") not in types:
            errors[name] = f"{name} type must be one of {', '.join(types)}."
        elif not any(isinstance(item.get(k), str) and item[k] for k in ("id", "name", "username")):
            errors[name] = f"{name} must be identified by id, name or username."
        elif "username" in item and item["type"] != "user":
            errors[name] = f"{name} of type {item['type']} can not be identified by username."


def validate_create(body: dict[str, Any]) -> dict[str, str]:
    """Field -> problem, for a create-alert body; empty when JSM would accept it."""
    errors: dict[str, str] = {}
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        errors["message"] = "Message can not be empty."
    elif len(message) > 130:
        errors["message"] = "Message can not be longer than 130 characters."
    _check_lengths(body, _CREATE_LIMITS, errors)
    if body.get("priority") is not None and body["priority"] not in PRIORITIES:
        errors["priority"] = f"Priority must be one of {', '.join(PRIORITIES)}."
    _check_recipients(body, "responders", RESPONDER_TYPES, errors)
    _check_recipients(body, "visibleTo", ("user", "team"), errors)
    tags = body.get("tags")
    if tags is not None and (
        not isinstance(tags, list) or len(tags) > 20 or any(not isinstance(t, str) or len(t) > 50 for t in tags)
    ):
        errors["tags"] = "Tags must be a list of at most 20 strings of at most 50 characters."
    for name in ("details", "extraProperties"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            errors[name] = f"{name} must be an object."
    return errors


async def create_alert(request: web.Request) -> web.Response:
    """``POST /alerts``: validate, then create or de-duplicate; the outcome goes to the request status."""
    started = time.monotonic()
    integration = _integration(request)
    body = await _body(request, required=True)
    errors = validate_create(body)
    if errors:
        raise JsmError(422, UNPROCESSABLE, errors)
    outcome = request.app[JSM].create(integration, body)
    return _accepted(outcome.id, started)


async def alert_action(request: web.Request) -> web.Response:
    """``POST /alerts/{identifier}/close`` and ``/acknowledge``, ``identifierType`` id (default), alias or tiny."""
    started = time.monotonic()
    integration = _integration(request)
    identifier_type = request.query.get("identifierType", "id")
    if identifier_type not in IDENTIFIER_TYPES:
        raise JsmError(422, UNPROCESSABLE, {"identifierType": "Identifier type must be one of id, alias, tiny."})
    body = await _body(request, required=False)
    errors: dict[str, str] = {}
    _check_lengths(body, _ACTION_LIMITS, errors)
    if errors:
        raise JsmError(422, UNPROCESSABLE, errors)
    state: JsmState = request.app[JSM]
    alert = state.find(request.match_info["identifier"], identifier_type)
    outcome = state.act(integration, request.match_info["action"], alert, body)
    return _accepted(outcome.id, started)


def _accepted(request_id: str, started: float) -> web.Response:
    """The 202 every write gets; its ``requestId`` is the one to ask the request status with."""
    took = round(time.monotonic() - started, 3)
    return web.json_response({"result": "Request will be processed", "took": took, "requestId": request_id}, status=202)


async def request_status(request: web.Request) -> web.Response:
    """``GET /alerts/requests/{requestId}``: what a create, close or acknowledge request did."""
    started = time.monotonic()
    _integration(request)
    outcome = request.app[JSM].requests.get(request.match_info["request_id"])
    if outcome is None:
        raise JsmError(404, "Request not found. It might not be processed, yet.")
    return _answer(200, {"data": outcome.as_json()}, started)


def _guarded(handler: Handler) -> Handler:
    """Turn :class:`JsmError` into JSM's error envelope."""

    async def wrapped(request: web.Request) -> web.Response:
        started = time.monotonic()
        try:
            return await handler(request)
        except JsmError as exc:
            body: dict[str, Any] = {"message": exc.message}
            if exc.errors:
                body["errors"] = exc.errors
            return _answer(exc.status, body, started)

    return wrapped


def register(router: web.UrlDispatcher) -> None:
    """Add the JSM alert routes."""
    router.add_post(PREFIX, _guarded(create_alert))
    router.add_get(PREFIX + "/requests/{request_id}", _guarded(request_status))
    router.add_post(PREFIX + "/{identifier}/{action:close|acknowledge}", _guarded(alert_action))
