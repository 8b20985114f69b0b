"""Scripted faults and the request log, as one aiohttp middleware.

Faults are queued in the order asked for and each is consumed by the next request whose path starts with its
``route`` (any request when ``route`` is None), so a test can say "the next two events get 503, REST calls are
untouched" and then assert what the client did. For chaos runs, requests that no queued fault is meant for can
also fail or lose their answer at random (:meth:`FaultPlan.fail_randomly`, seeded). The log keeps method, path and
status only: never bodies, query strings or headers, where routing keys, tokens and GenieKeys live.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from emulators.faultqueue import FaultQueue, hang_up

_REST_INTERNAL = "An internal error has occurred. PagerDuty team has been notified."


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour: ``fail`` (answer ``status`` without processing), ``lose`` (process, then close
    the connection without answering) or ``delay`` (process, then answer after ``seconds``)."""

    kind: str
    route: str | None = None
    status: int = 500
    seconds: float = 0.0

    def applies_to(self, path: str) -> bool:
        """Whether this fault is for a request to ``path``."""
        return self.route is None or path.startswith(self.route)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the emulator saw it; ``status`` is None when the answer was lost on purpose."""

    method: str
    path: str
    status: int | None
    fault: str | None = None


class FaultPlan(FaultQueue[Fault, RequestRecord]):
    """Thread-safe fault queue and request log shared by the test thread and the middleware."""

    def __init__(self) -> None:
        super().__init__()
        self._random: tuple[float, float, str | None] = (0.0, 0.0, None)
        self._rng = random.Random()

    def fail_randomly(self, rate: float, lost_rate: float = 0.0, seed: int = 0, route: str | None = None) -> None:
        """Chaos: from now on each request to ``route`` (any, when None) that no queued fault is meant for fails
        with ``status`` 500 with probability ``rate``, or is processed and loses its answer with probability
        ``lost_rate`` (seeded). Rates of 0 stop it."""
        with self._lock:
            self._random, self._rng = (rate, lost_rate, route), random.Random(seed)

    def pop(self, path: str) -> Fault | None:
        """Take the first queued fault meant for ``path``, if any; else, maybe, a random one."""
        with self._lock:
            for index, fault in enumerate(self._queue):
                if fault.applies_to(path):
                    return self._queue.pop(index)
            rate, lost_rate, route = self._random
            if not (rate or lost_rate) or (route is not None and not path.startswith(route)):
                return None
            roll = self._rng.random()
            if roll < rate:
                return Fault("fail", route)
            return Fault("lose", route) if roll < rate + lost_rate else None


FAULTS = web.AppKey("faults", FaultPlan)


def failure(path: str, status: int) -> web.Response:
    """A server error in the envelope of the API the path belongs to (Events API, JSM or REST)."""
    body: dict[str, Any]
    if path.startswith("/v2/"):
        body = {"status": "error", "message": "Internal Server Error", "errors": ["Internal Server Error"]}
    elif path.startswith("/jsm/"):
        body = {"message": "Internal Server Error", "took": 0.0, "requestId": str(uuid.uuid4())}
    else:
        body = {"error": {"message": _REST_INTERNAL, "code": 2000}}
    return web.json_response(body, status=status)


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply the next fault meant for this path, serve, and log the request."""
    plan = request.app[FAULTS]
    fault = plan.pop(request.path)
    method, path = request.method, request.path
    if fault is not None and fault.kind == "fail":
        plan.log(RequestRecord(method, path, fault.status, "fail"))
        return failure(path, fault.status)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        plan.log(RequestRecord(method, path, exc.status, None))
        raise
    if fault is not None and fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
    if fault is not None and fault.kind == "lose":
        plan.log(RequestRecord(method, path, None, "lose"))
        hang_up(request)
    plan.log(RequestRecord(method, path, response.status, fault.kind if fault else None))
    return response
