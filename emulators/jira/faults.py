"""Fault injection, authentication and the request log, as one aiohttp middleware.

Faults are queued in the order they were asked for and consumed one per request, so a test can script
"two 500s, then a 429, then success" and assert what the client did in between.
"""

from __future__ import annotations

import asyncio
import base64
import random
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from aiohttp.typedefs import Handler

from emulators.faultqueue import FaultQueue, hang_up
from emulators.jira.model import now
from emulators.jira.rest import JiraHttpError, error, state_of

CLOUD_UNAUTHORIZED = "Client must be authenticated to access this resource."
SERVER_UNAUTHORIZED = "You are not authenticated. Authentication required to perform this operation."


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour: ``fail``, ``rate_limit``, ``timeout`` or ``drop``."""

    kind: str
    status: int = 500
    seconds: float = 0.0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the emulator saw it; ``status`` is None when the connection was dropped."""

    method: str
    path: str
    query: str
    status: int | None
    fault: str | None = None


class FaultPlan(FaultQueue[Fault, RequestRecord]):
    """Thread-safe queue of faults plus the latency and log shared with the middleware."""

    def __init__(self) -> None:
        super().__init__()
        self._failure_rate = 0.0
        self._rng = random.Random()
        self.latency_ms = 0

    def fail_randomly(self, rate: float, seed: int = 0) -> None:
        """Chaos: from now on each request without a queued fault answers 500 with probability ``rate`` (seeded)."""
        with self._lock:
            self._failure_rate, self._rng = rate, random.Random(seed)

    def pop(self) -> Fault | None:
        """Take the next fault, if any."""
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
            chaotic = self._failure_rate > 0 and self._rng.random() < self._failure_rate
            return Fault("fail") if chaotic else None


FAULTS = web.AppKey("faults", FaultPlan)
CREDENTIALS = web.AppKey("credentials", str)


def _authorized(request: web.Request) -> bool:
    return request.headers.get("Authorization", "") == request.app[CREDENTIALS]


def _unauthorized(request: web.Request) -> web.Response:
    if state_of(request).deployment == "Cloud":
        return web.Response(status=401, text=CLOUD_UNAUTHORIZED, headers={"WWW-Authenticate": 'Basic realm="jira"'})
    response = error(401, [SERVER_UNAUTHORIZED])
    response.headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
    return response


def _rate_limited(fault: Fault) -> web.Response:
    response = error(429, ["Rate limit exceeded."])
    reset = now() + timedelta(seconds=fault.seconds)
    response.headers.update(
        {
            "Retry-After": str(int(fault.seconds)),
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            "RateLimit-Reason": "jira-burst-based",
        }
    )
    return response


async def _serve(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run the handler with auth and Jira's error envelope applied."""
    if request.path.startswith("/rest/api/3") and state_of(request).deployment == "Server":
        return web.Response(status=404, text="Not Found")
    if not _authorized(request):
        return _unauthorized(request)
    try:
        return await handler(request)
    except JiraHttpError as exc:
        return error(exc.status, exc.messages, exc.errors)


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply latency and the next queued fault, then serve and log the request."""
    plan = request.app[FAULTS]
    if plan.latency_ms:
        await asyncio.sleep(plan.latency_ms / 1000)
    fault = plan.pop()
    record = {"method": request.method, "path": request.path, "query": request.query_string}
    if fault is not None and fault.kind in ("fail", "rate_limit"):
        response = error(fault.status, ["Internal server error"]) if fault.kind == "fail" else _rate_limited(fault)
        plan.log(RequestRecord(**record, status=response.status, fault=fault.kind))
        return response
    try:
        response = await _serve(request, handler)
    except web.HTTPException as exc:
        plan.log(RequestRecord(**record, status=exc.status, fault=None))
        raise
    if fault is not None and fault.kind == "timeout":
        await asyncio.sleep(fault.seconds)
    if fault is not None and fault.kind == "drop":
        plan.log(RequestRecord(**record, status=None, fault="drop"))
        hang_up(request)
    plan.log(RequestRecord(**record, status=response.status, fault=fault.kind if fault else None))
    return response


def basic_credentials(user: str, secret: str) -> str:
    """The Authorization header value for HTTP Basic."""
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
