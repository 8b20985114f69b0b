"""The Events API v2 endpoint, ``POST /v2/enqueue``.

The routing key is the credential: a malformed one fails validation, and a well-formed key that no service owns gets
the same ``400 invalid event`` with ``"Invalid routing key"``, which is what PagerDuty answers (it does not say 404).
Calls carrying a known key are counted against that key's rate limit before the event is validated, because
PagerDuty limits calls, not valid events; over the limit the answer is ``429`` and nothing is ingested.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from emulators.pagerduty.events_validate import validate_event
from emulators.pagerduty.keys import LIMITER, STATE

INVALID = "Event object is invalid"
THROTTLED = "Requests for this service are arriving too quickly. Please retry later."


def invalid(errors: list[str]) -> web.Response:
    """PagerDuty's 400 for an event it refuses."""
    return web.json_response({"status": "invalid event", "message": INVALID, "errors": errors}, status=400)


def throttled() -> web.Response:
    """The 429 for a routing key over its limit."""
    body = {"status": "throttle event", "message": THROTTLED, "errors": ["Request Limit Exceeded"]}
    return web.json_response(body, status=429)


def _parse(raw: bytes) -> dict[str, Any] | web.Response:
    try:
        event = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return invalid(["Event object is not valid JSON"])
    if not isinstance(event, dict):
        return invalid(["Event object must be a JSON object"])
    return event


async def enqueue(request: web.Request) -> web.Response:
    """Validate, rate-limit and apply one alert event."""
    event = _parse(await request.read())
    if isinstance(event, web.Response):
        return event
    state = request.app[STATE]
    key = event.get("routing_key")
    service = state.service_for_key(key) if isinstance(key, str) else None
    if service is not None and not request.app[LIMITER].allow(service.integration_key):
        return throttled()
    errors = validate_event(event)
    if errors:
        return invalid(errors)
    if service is None:
        return invalid(["Invalid routing key"])
    dedup_key = state.apply_event(service, event)
    return web.json_response({"status": "success", "message": "Event processed", "dedup_key": dedup_key}, status=202)


def register(router: web.UrlDispatcher) -> None:
    """Add the Events API route."""
    router.add_post("/v2/enqueue", enqueue)
