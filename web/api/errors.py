"""Every refusal the API makes, in one shape: ``{"errors": [{"field": ..., "message": ...}]}``.

:class:`ApiProblem` is raised anywhere under an operation; :func:`problem_for` turns validation, domain and HTTP
errors into one (:class:`web.api.admission.ApiRoute` answers with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from incidents.errors import Conflict, Forbidden, NotFound, VigilError
from web.api.schemas import PATTERN_MESSAGES, ErrorBody, FieldError

_DOMAIN_FIELDS = {
    "next_update_in": "next_update_in_minutes",
    "role": "commander_email",
    "confirmed": "confirm_open_work",
}

CONFLICT_RETRY_AFTER = 1
"""Seconds a caller whose write kept colliding with others on the same incident should wait before sending it
again: by then the writers it met have committed."""

RETRY_AFTER_HEADER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
"""The ``Retry-After`` header as the OpenAPI document describes it (429 and 409 answers)."""


class ApiProblem(Exception):
    """A refusal with its HTTP status; raised anywhere under an operation of the API."""

    def __init__(
        self, status: int, message: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = [FieldError(field=field, message=message)]
        self.headers = headers or {}

    @classmethod
    def from_domain(cls, exc: VigilError) -> ApiProblem:
        if isinstance(exc, Conflict):
            return cls(409, exc.message, headers={"Retry-After": str(CONFLICT_RETRY_AFTER)})
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


def problem_for(exc: ApiProblem | RequestValidationError | VigilError | HTTPException) -> ApiProblem:
    """The refusal to answer for an error raised while handling a call."""
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
