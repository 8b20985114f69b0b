"""``POST /pagerduty/webhook``: PagerDuty's v3 webhooks, signed with the subscription's secret, bringing
acknowledgements back to the incident.

PagerDuty signs the raw body (``X-PagerDuty-Signature: v1=<hex HMAC-SHA256>``), with one ``v1=`` signature per
secret while a secret is being rotated; any one matching is enough. Anything else is refused with 401, and so is
every request while ``VIGIL_PAGERDUTY_WEBHOOK_SECRET`` is unset: an open endpoint would let anyone acknowledge
pages. ``incident.acknowledged`` records who acknowledged (``event.agent.summary``) on the page with that
de-duplication key (``event.data.incident_key``); ``incident.resolved`` is noted; other events and keys Vigil
never sent are answered 202 and change nothing. Redeliveries change nothing either. Refusals are logged as one
line, never with the body.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from incidents.context import Domain
from incidents.paging import service
from web.refusal import refuse, signed_json_object

log = logging.getLogger(__name__)

SIGNATURE = "X-PagerDuty-Signature"


def authentic(signatures: str, raw: bytes, secret: str | None) -> bool:
    """Whether any ``v1=`` signature of the header is the body's HMAC-SHA256 under ``secret``."""
    if not secret:
        return False
    expected = ("v1=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()).encode()
    # Starlette decodes headers as latin-1: re-encoding gives the bytes as sent.
    offered = [s.strip().encode("latin-1") for s in signatures.split(",")]
    return any(hmac.compare_digest(s, expected) for s in offered if s)


def _refuse(request: Request, status: int, reason: str) -> JSONResponse:
    return refuse(log, "a PagerDuty webhook", request, status, reason)


def pagerduty_webhook_router(domain: Domain, secret: str | None) -> APIRouter:
    """The router for ``build_web_app``; ``secret`` is ``settings.pagerduty_webhook_secret``."""
    router = APIRouter()

    @router.post("/pagerduty/webhook", include_in_schema=False)
    async def pagerduty_webhook(request: Request) -> JSONResponse:
        received = domain.time_source.now()
        body = await signed_json_object(
            request,
            lambda raw: authentic(request.headers.get(SIGNATURE, ""), raw, secret),
            partial(_refuse, request),
            configured=bool(secret),
        )
        if isinstance(body, JSONResponse):
            return body
        event = body.get("event")
        if not isinstance(event, dict):
            return _refuse(request, 400, "body has no event object")
        applied = await run_in_threadpool(apply_event, domain, event, received)
        return JSONResponse({"ok": True, "applied": applied}, status_code=202)

    return router


def apply_event(domain: Domain, event: dict[str, Any], received: datetime) -> bool:
    """Apply one v3 event; whether it changed anything."""
    kind = event.get("event_type")
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    key = data.get("incident_key") if isinstance(data, dict) else None
    if kind not in ("incident.acknowledged", "incident.resolved") or not isinstance(key, str):
        return False
    agent = event.get("agent") if isinstance(event.get("agent"), dict) else None
    if kind == "incident.resolved" and agent is not None and agent.get("type") == "service_reference":
        return False  # an Events API resolve: Vigil's own, coming back
    by = str(agent.get("summary") or "") if agent is not None else ""
    at = min(_when(event.get("occurred_at")) or received, received)
    resolved = kind == "incident.resolved"
    return domain.run(
        lambda ctx: service.answered(ctx, key, resolved=resolved, by=by, at=at, provider="PagerDuty"),
        received=received,
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
