"""How the unauthenticated edges in ``web`` (Jira's and PagerDuty's webhooks) refuse a request: one log line, one
small answer; :mod:`bot.http` refuses Slack's events the same way.

The log line names the caller's address and the reason, never the body, a token or a header's value: these
endpoints are open to anyone, and whatever they log, anyone can write. A 401 answers only "unauthorized" so a
prober learns nothing; a 400 says what was wrong with the (authentic) body.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse


def refuse(log: logging.Logger, what: str, request: Request, status: int, reason: str) -> JSONResponse:
    log.warning("refused %s from %s: %s", what, request.client.host if request.client else "?", reason)
    return JSONResponse({"error": "unauthorized" if status == 401 else reason}, status_code=status)
