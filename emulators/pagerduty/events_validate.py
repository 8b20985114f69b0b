"""Validation of Events API v2 alert events, with PagerDuty's error strings.

Every rule is checked and every failure reported (PagerDuty's ``errors`` list can hold several), each naming the
field it is about, so a test can assert which field a client got wrong. The routing key's format is checked here;
whether a well-formed key belongs to a service is the route's business (:mod:`emulators.pagerduty.routes_events`).

Two rules are stricter than PagerDuty, on purpose: an over-long ``payload.summary`` is refused rather than
truncated, and ``custom_details`` must be an object; so a client that relies on either shows up in tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
ROUTING_KEY_LENGTH = 32
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
_OPTIONAL_STRINGS = ("component", "group", "class")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_routing_key(value: Any) -> list[str]:
    """Format rules for ``routing_key`` (32 alphanumeric characters)."""
    if _blank(value):
        return ["'routing_key' is missing or blank"]
    if not isinstance(value, str):
        return ["'routing_key' must be a string"]
    errors = []
    if len(value) != ROUTING_KEY_LENGTH:
        errors.append(f"Length of 'routing_key' is incorrect (should be {ROUTING_KEY_LENGTH} characters)")
    if not value.isalnum() or not value.isascii():
        errors.append("'routing_key' cannot contain non-alphanumeric characters.")
    return errors


def _validate_dedup_key(event: dict[str, Any], action: Any) -> list[str]:
    value = event.get("dedup_key")
    if value is None:
        return ["'dedup_key' is missing or blank"] if action in ("acknowledge", "resolve") else []
    if not isinstance(value, str):
        return ["'dedup_key' must be a string"]
    if not value.strip():
        return ["'dedup_key' is missing or blank"]
    if len(value) > MAX_DEDUP_KEY:
        return [f"'dedup_key' is too long (must be {MAX_DEDUP_KEY} characters or less)"]
    return []


def _valid_timestamp(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _validate_payload(payload: Any) -> list[str]:
    if payload is None:
        return ["'payload' is missing or blank"]
    if not isinstance(payload, dict):
        return ["'payload' must be an object"]
    errors = []
    summary = payload.get("summary")
    if _blank(summary) or not isinstance(summary, str):
        errors.append("'payload.summary' is missing or blank")
    elif len(summary) > MAX_SUMMARY:
        errors.append(f"'payload.summary' is too long (must be {MAX_SUMMARY} characters or less)")
    source = payload.get("source")
    if _blank(source) or not isinstance(source, str):
        errors.append("'payload.source' is missing or blank")
    severity = payload.get("severity")
    if _blank(severity):
        errors.append("'payload.severity' is missing or blank")
    elif severity not in SEVERITIES:
        errors.append(
            "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"
        )
    timestamp = payload.get("timestamp")
    if timestamp is not None and (not isinstance(timestamp, str) or not _valid_timestamp(timestamp)):
        errors.append("'payload.timestamp' is invalid (must be an ISO 8601 timestamp)")
    for name in _OPTIONAL_STRINGS:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            errors.append(f"'payload.{name}' must be a string")
    details = payload.get("custom_details")
    if details is not None and not isinstance(details, dict):
        errors.append("'payload.custom_details' must be an object")
    return errors


def _validate_context(event: dict[str, Any], name: str, required: str) -> list[str]:
    """``links`` (each needs ``href``) and ``images`` (each needs ``src``): lists of objects of strings."""
    items = event.get(name)
    if items is None:
        return []
    if not isinstance(items, list):
        return [f"'{name}' must be an array"]
    errors = []
    for index, item in enumerate(items):
        where = f"'{name}[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{where}' must be an object")
        elif _blank(item.get(required)):
            errors.append(f"{where}.{required}' is missing or blank")
        elif any(not isinstance(value, str) for value in item.values()):
            errors.append(f"{where}' properties must be strings")
    return errors


def validate_event(event: dict[str, Any]) -> list[str]:
    """All the reasons an alert event is invalid; empty when PagerDuty would accept it."""
    errors = validate_routing_key(event.get("routing_key"))
    action = event.get("event_action")
    if _blank(action):
        errors.append("'event_action' is missing or blank")
    elif action not in ACTIONS:
        errors.append("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
    errors += _validate_dedup_key(event, action)
    if action == "trigger":
        errors += _validate_payload(event.get("payload"))
        errors += _validate_context(event, "links", "href")
        errors += _validate_context(event, "images", "src")
        for name in ("client", "client_url"):
            if event.get(name) is not None and not isinstance(event[name], str):
                errors.append(f"'{name}' must be a string")
    return errors
