"""What every intake API operation declares: the key it needs (``Authorization: Bearer``), the scope, the
refusals it documents, and the ``Idempotency-Key`` header of its writes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header

from web.api.errors import RETRY_AFTER_HEADER
from web.api.schemas import ErrorBody

SECURITY_SCHEME = "ApiKey"
API_KEY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "vigil_<prefix>_<secret>",
    "description": "An API key from `vigil api-keys create`, sent as `Authorization: Bearer <token>`.",
}
"""How a call shows its key, as the document states it (:func:`web.api.openapi.document`). Only stated: admission
(:class:`web.api.admission.ApiRoute`) reads the key, so no dependency resolves it again, for nothing, on each call."""
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Retries with the same key within 24 hours get the first answer back and change nothing.",
    ),
]


def error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description, **({"headers": headers} if headers else {})}


def refusals(*, write: bool, by_ref: bool) -> dict[int | str, dict[str, Any]]:
    answers: dict[int | str, dict[str, Any]] = {
        401: error("No valid, unrevoked API key.", {"WWW-Authenticate": {"schema": {"type": "string"}}}),
        403: error("The key lacks the scope, or may not touch restricted incidents."),
        422: error("A field (body, query or header) is invalid; each error names it."),
        429: error("Over the key's rate limit.", RETRY_AFTER_HEADER),
    }
    if write:
        answers[413] = error("The body is over the size limit.")
        answers[409] = error("Others kept changing the incident at once; send it again later.", RETRY_AFTER_HEADER)
    if by_ref:
        answers[404] = error("No such incident (or one the key may not see).")
    return answers


def operation(scope: str, *, write: bool, by_ref: bool, max_body: int | None = None) -> dict[str, Any]:
    """``max_body``: a larger body limit than the API's default (the route class reads ``x-max-body-bytes``)."""
    extra: dict[str, Any] = {"x-required-scope": scope, "security": [{SECURITY_SCHEME: [scope]}]}
    if max_body is not None:
        extra["x-max-body-bytes"] = max_body
    return {"openapi_extra": extra, "responses": refusals(write=write, by_ref=by_ref)}
