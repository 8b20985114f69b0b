"""What happens before and around each operation of the intake API: admission (key, scope, rate limit) before
the body is read, unknown query parameters, the body size limit, and every refusal in the error shape
(:mod:`web.api.errors`), audited when the caller is known. Only the API's operations use this route class; the
shared app keeps its own handlers."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from incidents.errors import VigilError
from web.api.dependencies import intake
from web.api.errors import ApiProblem, problem_for
from web.body_limit import limited

MAX_BODY_BYTES = 64 * 1024


class ApiRoute(APIRoute):
    """The endpoint's required scope comes from its ``openapi_extra["x-required-scope"]`` (also documented).
    Admission stores the caller on ``request.state.principal`` or refuses; refused calls by a known caller are
    audited (except over the rate limit, which protects the database)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        scope = (self.openapi_extra or {}).get("x-required-scope")
        limit = int((self.openapi_extra or {}).get("x-max-body-bytes", MAX_BODY_BYTES))
        known_query = _query_names(self.dependant)

        async def handler(request: Request) -> Response:
            calls = (await intake(request)).calls
            try:
                if scope is not None:
                    await calls.admit(request, scope)
                unknown = sorted(set(request.query_params) - known_query)
                if unknown:
                    raise ApiProblem(422, f"Unknown query parameter {unknown[0]!r}.", field=unknown[0])
                if request.method == "POST":
                    request = await _with_limited_body(request, limit)
                return await handle(request)
            except ClientDisconnect:
                return Response(status_code=400)  # the caller hung up mid-body; nobody is left to answer
            except (ApiProblem, RequestValidationError, VigilError, HTTPException) as exc:
                problem = problem_for(exc)
                if getattr(request.state, "principal", None) is not None and problem.status != 429:
                    await run_in_threadpool(calls.audit_refusal, request, problem.status, problem.errors)
                return problem.response()

        return handler


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def _with_limited_body(request: Request, limit: int) -> Request:
    """The request with its body read through the operation's own cap (:func:`web.body_limit.limited`), whatever
    Content-Length claims; the endpoint reads the body kept on it."""
    capped = Request(request.scope, limited(request.scope, request.receive, limit))
    try:
        await capped.body()
    except HTTPException as exc:
        raise ApiProblem(exc.status_code, str(exc.detail), field="body") from None
    return capped
