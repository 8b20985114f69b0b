"""The slice of REST API v2 Vigil reads: users, on-calls, services and escalation policies.

Every route wants ``Authorization: Token token=<api token>`` and answers 401 with PagerDuty's error envelope (code
2006) otherwise. ``Accept: application/vnd.pagerduty+json;version=2`` is allowed, not required, as in PagerDuty.
Index routes use classic pagination: ``limit`` (default 25, at most 100), ``offset``, ``more``, and ``total``,
which is null unless the request says ``total=true``; ``offset + limit`` over 10000 is a 400.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiohttp import web

from emulators.pagerduty.keys import API_TOKENS, STATE
from emulators.pagerduty.render import oncall_json, policy_json, service_json, user_json
from emulators.pagerduty.state import PagerDutyState

Handler = Callable[[web.Request], Awaitable[web.Response]]
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
ITERATION_LIMIT = 10000


class RestError(Exception):
    """Raised by handlers; turned into PagerDuty's ``{"error": {...}}`` envelope."""

    def __init__(self, status: int, message: str, code: int, errors: list[str] | None = None) -> None:
        super().__init__(status, message, code, errors)
        self.status, self.message, self.code, self.errors = status, message, code, errors or []


def error(status: int, message: str, code: int, errors: list[str] | None = None) -> web.Response:
    """A REST API error response."""
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return web.json_response({"error": body}, status=status)


def authenticated(handler: Handler) -> Handler:
    """Wrap a handler with the token check and the error envelope."""

    async def wrapped(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Token token=") if header.startswith("Token token=") else None
        if token not in request.app[API_TOKENS]:
            return error(401, "Authentication failed", 2006)
        try:
            return await handler(request)
        except RestError as exc:
            return error(exc.status, exc.message, exc.code, exc.errors)

    return wrapped


def _int_param(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise RestError(400, "Invalid Input Provided", 2001, [f"{name} must be an integer."]) from None


def page(request: web.Request, wrapper: str, items: list[dict[str, Any]]) -> web.Response:
    """One page of ``items`` under ``wrapper`` with the classic pagination fields."""
    limit = _int_param(request, "limit", DEFAULT_LIMIT)
    offset = _int_param(request, "offset", 0)
    if limit < 1 or offset < 0:
        raise RestError(400, "Invalid Input Provided", 2001, ["limit and offset must not be negative."])
    limit = min(limit, MAX_LIMIT)
    if offset + limit > ITERATION_LIMIT:
        raise RestError(400, "Invalid Input Provided", 2001, [f"Offset must be less than {ITERATION_LIMIT}."])
    chunk = items[offset : offset + limit]
    total = len(items) if request.query.get("total") == "true" else None
    more = offset + len(chunk) < len(items)
    return web.json_response({wrapper: chunk, "limit": limit, "offset": offset, "more": more, "total": total})


def not_found() -> RestError:
    return RestError(404, "Not Found", 2100)


async def list_users(request: web.Request) -> web.Response:
    """``GET /users``, optionally narrowed by ``query`` (a substring of name or e-mail)."""
    state = request.app[STATE]
    query = request.query.get("query", "").lower()
    with state.lock:
        users = [u for u in state.users.values() if query in u.name.lower() or query in u.email.lower()]
        return page(request, "users", [user_json(state, u) for u in users])


def _ids(request: web.Request, name: str) -> set[str] | None:
    """A repeatable ``name[]`` filter; None when absent (no filtering)."""
    values = request.query.getall(f"{name}[]", [])
    return set(values) or None


async def list_oncalls(request: web.Request) -> web.Response:
    """``GET /oncalls`` filtered by ``escalation_policy_ids[]``, ``schedule_ids[]`` and ``user_ids[]``."""
    state = request.app[STATE]
    policies, schedules, users = (_ids(request, n) for n in ("escalation_policy_ids", "schedule_ids", "user_ids"))
    entries = []
    with state.lock:
        for policy in state.policies.values():
            if policies is not None and policy.id not in policies:
                continue
            for entry in sorted(policy.on_call, key=lambda e: e.level):
                if schedules is not None and (entry.schedule is None or entry.schedule.id not in schedules):
                    continue
                if users is not None and entry.user.id not in users:
                    continue
                entries.append(oncall_json(state, policy, entry))
    return page(request, "oncalls", entries)


T = TypeVar("T")
Objects = Callable[[PagerDutyState], Mapping[str, T]]
Render = Callable[[PagerDutyState, T], dict[str, Any]]


def _index(wrapper: str, objects: Objects[T], render: Render[T]) -> Handler:
    """``GET /<wrapper>``: every one of the ``objects``, rendered, one page at a time."""

    async def handler(request: web.Request) -> web.Response:
        state = request.app[STATE]
        with state.lock:
            return page(request, wrapper, [render(state, o) for o in objects(state).values()])

    return handler


def _one(wrapper: str, objects: Objects[T], render: Render[T]) -> Handler:
    """``GET /<collection>/{id}``: one of the ``objects``, rendered under ``wrapper``, or 404."""

    async def handler(request: web.Request) -> web.Response:
        state = request.app[STATE]
        found = objects(state).get(request.match_info["id"])
        if found is None:
            raise not_found()
        return web.json_response({wrapper: render(state, found)})

    return handler


get_user = _one("user", lambda s: s.users, user_json)
list_services = _index("services", lambda s: s.services, service_json)
get_service = _one("service", lambda s: s.services, service_json)  # how a client finds a service's policy
list_policies = _index("escalation_policies", lambda s: s.policies, policy_json)
get_policy = _one("escalation_policy", lambda s: s.policies, policy_json)


def register(router: web.UrlDispatcher) -> None:
    """Add the REST routes."""
    routes: dict[str, Handler] = {
        "/users": list_users,
        "/users/{id}": get_user,
        "/oncalls": list_oncalls,
        "/services": list_services,
        "/services/{id}": get_service,
        "/escalation_policies": list_policies,
        "/escalation_policies/{id}": get_policy,
    }
    for path, handler in routes.items():
        router.add_get(path, authenticated(handler))
