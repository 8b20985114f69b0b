"""``POST /jira/webhook``: Jira's issue events, authenticated by a shared secret, applied to actions.

Jira Cloud admin webhooks sign the raw body (``X-Hub-Signature: sha256=<hex HMAC>``) when given a secret; sites
that cannot sign may put the secret in the URL (``?secret=``). Anything else is refused with 401, and so is
every request while no secret is configured: an open endpoint would let anyone close actions. An authentic body
that is not JSON or not shaped like Jira's is refused with 400. Each refusal is logged as one line, never with
the body.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from functools import partial

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from incidents.context import Domain
from incidents.tracker.jira.webhook import MalformedDelivery, receive_webhook
from web.refusal import refuse, signed_json_object

log = logging.getLogger(__name__)


def _authentic(request: Request, raw: bytes, secret: str | None) -> bool:
    if not secret:
        return False
    # Starlette decodes headers as latin-1: re-encoding gives the bytes as sent, which compare whether ASCII or not.
    signature = request.headers.get("X-Hub-Signature", "").encode("latin-1")
    if signature.startswith(b"sha256="):
        expected = b"sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest().encode()
        return hmac.compare_digest(signature, expected)
    token = request.query_params.get("secret")
    return token is not None and hmac.compare_digest(token.encode(), secret.encode())


def _refuse(request: Request, status: int, reason: str) -> JSONResponse:
    return refuse(log, "a Jira webhook", request, status, reason)


def jira_webhook_router(domain: Domain, secret: str | None) -> APIRouter:
    """The router for ``build_web_app``; ``secret`` is ``settings.jira_webhook_secret``."""
    router = APIRouter()

    @router.post("/jira/webhook", include_in_schema=False)
    async def jira_webhook(request: Request) -> JSONResponse:
        received = domain.time_source.now()
        body = await signed_json_object(
            request,
            lambda raw: _authentic(request, raw, secret),
            partial(_refuse, request),
            configured=bool(secret),
        )
        if isinstance(body, JSONResponse):
            return body
        delivery = request.headers.get("X-Atlassian-Webhook-Identifier")
        try:
            changed = await run_in_threadpool(receive_webhook, domain, body, delivery, received=received)
        except MalformedDelivery as exc:
            return _refuse(request, 400, str(exc))
        return JSONResponse({"ok": True, "changed": changed})

    return router
