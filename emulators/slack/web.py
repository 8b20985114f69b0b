"""The /api/<method> endpoint: request decoding, authentication, faults, rate limits and the call log.

Slack accepts form-encoded bodies (token in the form or an Authorization header), JSON bodies (token
only in the header) and query strings; slack_sdk uses all three depending on the method.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

import emulators.slack.api  # noqa: F401  (registers the methods)
from emulators.slack.api.registry import METHODS, Call, Method
from emulators.slack.args import Args
from emulators.slack.errors import SlackError
from emulators.slack.limits import Faults, RateLimiter
from emulators.slack.models import ApiCall
from emulators.slack.state import Workspace


async def _decode(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """(arguments, token) from query, form or JSON body."""
    values: dict[str, Any] = dict(request.query)
    token = values.pop("token", None)
    if request.method == "POST" and request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except json.JSONDecodeError:
            raise SlackError("invalid_json") from None
        if not isinstance(body, dict):
            raise SlackError("json_not_object")
        body.pop("token", None)
        values.update(body)
    elif request.method == "POST":
        form = await request.post()
        values.update({k: v for k, v in form.items() if isinstance(v, str)})
        token = values.pop("token", token)
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ").strip()
    elif header.startswith("Basic "):
        token = header
    return values, token


def _authenticate(ws: Workspace, spec: Method, token: str | None) -> str:
    """The acting user id for this token, or Slack's auth error for the method's token type."""
    if spec.token == "none":
        return ""
    if not token or token.startswith("Basic "):
        raise SlackError("not_authed")
    kinds = {ws.bot_token: ("bot", ws.bot_user_id), ws.app_token: ("app", "")}
    with ws.lock:
        if token in ws.user_tokens:
            kinds[token] = ("user", ws.user_tokens[token])
    kind, actor = kinds.get(token, (None, ""))
    if kind is None:
        raise SlackError("invalid_auth")
    if kind == spec.token:
        return actor
    if kind == "user" and spec.token == "bot":
        raise SlackError("missing_scope", needed="channels:read", provided="openid,email,profile")
    raise SlackError("not_allowed_token_type")


def _hang_up(request: web.Request) -> web.Response:
    """Drop the connection without answering: the client sees it closed with no response (aiohttp quietly
    skips writing the response to a closed transport)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response()


class WebApi:
    """Serves the Web API for one emulator."""

    def __init__(self, ws: Workspace, limiter: RateLimiter, faults: Faults, enforce_rate_limits: bool) -> None:
        self.ws = ws
        self.limiter = limiter
        self.faults = faults
        self.enforce_rate_limits = enforce_rate_limits
        self.down = False
        self.base_url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """One Web API call, always logged in ws.calls."""
        started = time.monotonic()
        name = request.match_info["method"]
        args: dict[str, Any] = {}
        try:
            status, body, headers = await self._answer(request, name, args)
        except SlackError as error:
            status, body, headers = error.status, error.body(), {}
        with self.ws.lock:
            self.ws.calls.append(
                ApiCall(name, args, status, bool(body.get("ok")), body.get("error"), started, time.monotonic())
            )
        if body.get("ok") and self.faults.answer_lost(name, args.get("channel")):
            return _hang_up(request)
        return web.json_response(body, status=status, headers=headers)

    async def _answer(
        self, request: web.Request, name: str, logged_args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.down:
            raise SlackError("service_unavailable", status=503)
        values, token = await _decode(request)
        logged_args.update(values)
        delay = self.faults.latency_s(name)
        if delay:
            await asyncio.sleep(delay)
        spec = METHODS.get(name)
        if spec is None:
            raise SlackError("unknown_method", status=404, req_method=name)
        failure = self.faults.take(name)
        if failure is not None:
            raise SlackError(failure.error, status=failure.status)
        actor = _authenticate(self.ws, spec, token)
        if self.enforce_rate_limits:
            retry_after = self.limiter.retry_after(name, values.get("channel"))
            if retry_after is not None:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        call = Call(self.ws, self.base_url, token or "", actor)
        return 200, {"ok": True, **spec.handler(call, Args(values))}, {}
