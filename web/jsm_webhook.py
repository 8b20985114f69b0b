"""``POST /jsm/webhook``: Jira Service Management's outgoing webhook (a "Webhook" integration in JSM Operations)
bringing acknowledgements of Vigil's alerts back to the incident.

JSM does not sign what it sends; its webhook integration can add headers to every call, so it is given the shared
secret as ``X-Vigil-Webhook-Secret``, compared in constant time. Anything else is refused with 401, and so is every
request while ``VIGIL_JSM_WEBHOOK_SECRET`` is unset: an open endpoint would let anyone acknowledge pages.

The body is JSM's alert action data: ``action`` (``Create``, ``Acknowledge``, ``AddNote``, ``Close``...), the
``alert`` (``alertId``, ``alias``, ``message``, ``username``, ``updatedAt`` in nanoseconds...), ``source``,
``integrationId`` and ``integrationName``. ``Acknowledge`` records who acknowledged (``alert.username``, an e-mail
address, named as the person Vigil knows by it) on the page whose de-duplication key is the alert's ``alias``;
``Close`` is noted; other actions and aliases Vigil never sent are answered 202 and change nothing, and so do
redeliveries. Refusals are logged as one line, never with the body.
"""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from incidents.context import Domain
from incidents.paging import service
from incidents.paging.config import PROVIDERS
from web.refusal import refuse, signed_json_object

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Vigil-Webhook-Secret"
ANSWERED = {"Acknowledge": False, "Close": True}
"""The actions Vigil applies, and whether each resolves the page."""


def authentic(offered: str, secret: str | None) -> bool:
    """Whether the header carries the secret (compared in constant time)."""
    # Starlette decodes headers as latin-1: re-encoding gives the bytes as sent.
    return bool(secret) and hmac.compare_digest(offered.encode("latin-1"), (secret or "").encode())


def _refuse(request: Request, status: int, reason: str) -> JSONResponse:
    return refuse(log, "a Jira Service Management webhook", request, status, reason)


def jsm_webhook_router(domain: Domain, secret: str | None) -> APIRouter:
    """The router for ``build_web_app``; ``secret`` is ``settings.jsm_webhook_secret``."""
    router = APIRouter()

    @router.post("/jsm/webhook", include_in_schema=False)
    async def jsm_webhook(request: Request) -> JSONResponse:
        received = domain.time_source.now()
        body = await signed_json_object(
            request,
            lambda _raw: authentic(request.headers.get(SECRET_HEADER, ""), secret),
            partial(_refuse, request),
            configured=bool(secret),
        )
        if isinstance(body, JSONResponse):
            return body
        alert = body.get("alert")
        if not isinstance(alert, dict):
            return _refuse(request, 400, "body has no alert object")
        applied = await run_in_threadpool(apply_action, domain, body.get("action"), alert, received)
        return JSONResponse({"ok": True, "applied": applied}, status_code=202)

    return router


def apply_action(domain: Domain, action: object, alert: dict[str, Any], received: datetime) -> bool:
    """Apply one alert action; whether it changed anything."""
    key = alert.get("alias")
    if not isinstance(action, str) or action not in ANSWERED or not isinstance(key, str):
        return False
    by = str(alert.get("username") or "").strip()
    at = min(_when(alert.get("updatedAt")) or received, received)
    resolved = ANSWERED[action]
    name = PROVIDERS["jsm"].name
    return domain.run(
        lambda ctx: service.answered(ctx, key, resolved=resolved, by=by, at=at, provider=name), received=received
    )


def _when(value: object) -> datetime | None:
    """``updatedAt``: nanoseconds since the epoch (``createdAt`` is in milliseconds, hence the size check)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    seconds = value / 1e9 if value > 10**15 else value / 1e3
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
