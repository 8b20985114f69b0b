"""How the unauthenticated edges in ``web`` (Jira's, PagerDuty's and JSM's webhooks) refuse a request: one log
line, one small answer; :mod:`bot.http` refuses Slack's events the same way.

The log line names the caller's address and the reason, never the body, a token or a header's value: these
endpoints are open to anyone, and whatever they log, anyone can write. A 401 answers only "unauthorized" so a
prober learns nothing; a 400 says what was wrong with the (authentic) body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse


def refuse(log: logging.Logger, what: str, request: Request, status: int, reason: str) -> JSONResponse:
    log.warning("refused %s from %s: %s", what, request.client.host if request.client else "?", reason)
    return JSONResponse({"error": "unauthorized" if status == 401 else reason}, status_code=status)


async def signed_json_object(
    request: Request,
    authentic: Callable[[bytes], bool],
    refused: Callable[[int, str], JSONResponse],
    *,
    configured: bool,
) -> dict[str, Any] | JSONResponse:
    """The body of a signed webhook call as a JSON object, or the refusal to answer with: 401 when ``authentic``
    says no (or no secret is ``configured``), 400 when the authentic body is not a JSON object. The signature is
    checked on the raw bytes before anything parses them."""
    raw = await request.body()
    if not authentic(raw):
        return refused(401, "missing or wrong signature" if configured else "no webhook secret is configured")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return refused(400, "body is not JSON")
    if not isinstance(body, dict):
        return refused(400, "body is not a JSON object")
    return body
