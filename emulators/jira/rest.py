"""Shared HTTP helpers: Jira's error envelope, JSON bodies, API-version and issue lookup.

Every error the emulator returns goes through :func:`error`, so all of them carry Jira's
``{"errorMessages": [...], "errors": {...}}`` envelope that ``jira.exceptions.JIRAError`` parses.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from emulators.jira.model import Issue
from emulators.jira.state import JiraState

STATE = web.AppKey("state", JiraState)
NO_ISSUE = "Issue does not exist or you do not have permission to see it."


class JiraHttpError(Exception):
    """Raised by handlers; the middleware turns it into Jira's error envelope."""

    def __init__(self, status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None):
        super().__init__(status, messages, errors)
        self.status = status
        self.messages = messages or []
        self.errors = errors or {}


def error(status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None) -> web.Response:
    """A Jira error response."""
    return web.json_response({"errorMessages": messages or [], "errors": errors or {}}, status=status)


def state_of(request: web.Request) -> JiraState:
    """The emulator state attached to the application."""
    return request.app[STATE]


def version_of(request: web.Request) -> str:
    """API version of the request path; ``latest`` means v2 (the middleware 404s v3 on Server/DC)."""
    version = request.match_info.get("v", "2")
    return "2" if version == "latest" else version


async def body_of(request: web.Request) -> dict[str, Any]:
    """Parse a JSON object body, failing the way Jira's JSON layer does."""
    raw = await request.text()
    if not raw.strip():
        raise JiraHttpError(400, ["No content to map to Object due to end of input"])
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise JiraHttpError(400, [f"Unexpected character in JSON body: {exc.msg}"]) from None
    if not isinstance(data, dict):
        raise JiraHttpError(400, ["Can not deserialize instance of object out of START_ARRAY token"])
    return data


def issue_of(request: web.Request) -> Issue:
    """The issue named by ``{issue}`` in the path, or Jira's 404."""
    issue = state_of(request).find_issue(request.match_info["issue"])
    if issue is None:
        raise JiraHttpError(404, [NO_ISSUE])
    return issue


def list_param(request: web.Request, name: str) -> list[str] | None:
    """A multi-valued query parameter; Jira accepts repeats and comma-separated lists alike."""
    values = request.query.getall(name, [])
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    return items or None


def int_param(request: web.Request, name: str, default: int) -> int:
    """An integer query parameter with Jira's 400 for non-numbers."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise JiraHttpError(400, [f"The '{name}' parameter must be a number."]) from None
