"""Every refusal the API makes, in one shape: ``{"errors": [{"field": ..., "message": ...}]}``.

:class:`ApiRoute` handles what must happen before and around an endpoint, for this router only (the shared app
keeps its own handlers): admission (key, scope, rate limit) before the body is read, the body size limit, and
turning validation and domain errors into that shape.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Message

from incidents.errors import Forbidden, NotFound, VigilError
from web.api.schemas import PATTERN_MESSAGES, ErrorBody, FieldError

MAX_BODY_BYTES = 64 * 1024
_DOMAIN_FIELDS = {"next_update_in": "next_update_in_minutes", "role": "commander_email"}


class ApiProblem(Exception):
    """A refusal with its HTTP status; raised anywhere under an :class:`ApiRoute` endpoint."""

    def __init__(
        self, status: int, message: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = [FieldError(field=field, message=message)]
        self.headers = headers or {}

    @classmethod
    def from_domain(cls, exc: VigilError) -> ApiProblem:
        field = _DOMAIN_FIELDS.get(exc.field or "", exc.field)
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else 422
        return cls(status, exc.message, field=field)

    @classmethod
    def from_validation(cls, exc: RequestValidationError) -> ApiProblem:
        problem = cls(422, "The request is not valid.")
        problem.errors = [FieldError(field=_field(e["loc"]), message=_message(e)) for e in exc.errors()]
        return problem

    def response(self) -> JSONResponse:
        body = ErrorBody(errors=self.errors).model_dump(mode="json")
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def _field(loc: Sequence[Any]) -> str | None:
    where, *rest = loc
    if where == "body" and (not rest or isinstance(rest[0], int)):
        return "body"
    if where == "header":
        return "-".join(part.capitalize() for part in str(rest[0]).split("-"))
    return ".".join(str(part) for part in rest) or None


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "json_invalid":
        return f"The body is not valid JSON ({error.get('ctx', {}).get('error', 'parse error')})."
    if error["type"] == "missing" and error["loc"] == ("body",):
        return "A JSON body is required."
    if error["type"] == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return PATTERN_MESSAGES.get(pattern, f"Not in the expected format ({pattern}).")
    return str(error["msg"]).rstrip(".") + "."


Admit = Callable[[Request, str], Coroutine[Any, Any, None]]
Audit = Callable[[Request, int, list[FieldError]], None]


class ApiRoute(APIRoute):
    """Admission, the body limit and the error shape around each endpoint of the intake API.

    The endpoint's required scope comes from its ``openapi_extra["x-required-scope"]`` (also documented).
    ``admit`` and ``audit`` are installed by the router factory: admission stores the caller on
    ``request.state.principal`` or raises :class:`ApiProblem`; refused calls by a known caller are audited.
    """

    admit: Admit
    audit: Audit

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        scope = (self.openapi_extra or {}).get("x-required-scope")
        known_query = _query_names(self.dependant)

        async def handler(request: Request) -> Response:
            try:
                if scope is not None:
                    await type(self).admit(request, scope)
                unknown = sorted(set(request.query_params) - known_query)
                if unknown:
                    raise ApiProblem(422, f"Unknown query parameter {unknown[0]!r}.", field=unknown[0])
                if request.method == "POST":
                    request = await _with_limited_body(request)
                return await handle(request)
            except ClientDisconnect:
                return Response(status_code=400)  # the caller hung up mid-body; nobody is left to answer
            except (ApiProblem, RequestValidationError, VigilError, HTTPException) as exc:
                problem = _problem(exc)
                if getattr(request.state, "principal", None) is not None and problem.status != 429:
                    await run_in_threadpool(type(self).audit, request, problem.status, problem.errors)
                return problem.response()

        return handler


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _problem(exc: Exception) -> ApiProblem:
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, RequestValidationError):
        return ApiProblem.from_validation(exc)
    if isinstance(exc, VigilError):
        return ApiProblem.from_domain(exc)
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # FastAPI could not decode the body (e.g. not UTF-8): a validation error like any other
        return ApiProblem(422, "The body is not valid UTF-8 JSON.", field="body")
    return ApiProblem(exc.status_code, str(exc.detail))


async def _with_limited_body(request: Request) -> Request:
    """Read at most :data:`MAX_BODY_BYTES`, whatever Content-Length claims; hand the endpoint a replayable copy."""
    too_large = ApiProblem(413, f"The body is larger than {MAX_BODY_BYTES} bytes.", field="body")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    body = b"".join(chunks)
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await request.receive()

    return Request(request.scope, receive)
