"""``POST /jira/webhook``: Jira's issue events, authenticated by a shared secret, applied to actions.

Jira Cloud admin webhooks sign the raw body (``X-Hub-Signature: sha256=<hex HMAC>``) when given a secret; sites
that cannot sign may put the secret in the URL (``?secret=``). Anything else is refused with 401 and logged,
and so is every request while no secret is configured: an open endpoint would let anyone close actions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from incidents.context import Domain
from incidents.tracker.jira.webhook import receive_webhook

log = logging.getLogger(__name__)


def _authentic(request: Request, raw: bytes, secret: str | None) -> bool:
    if not secret:
        return False
    signature = request.headers.get("X-Hub-Signature", "")
    if signature.startswith("sha256="):
        expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature, expected)
    token = request.query_params.get("secret")
    return token is not None and hmac.compare_digest(token.encode(), secret.encode())


def jira_webhook_router(domain: Domain, secret: str | None) -> APIRouter:
    """The router for ``build_web_app``; ``secret`` is ``settings.jira_webhook_secret``."""
    router = APIRouter()

    @router.post("/jira/webhook", include_in_schema=False)
    async def jira_webhook(request: Request) -> JSONResponse:
        raw = await request.body()
        if not _authentic(request, raw, secret):
            reason = "no webhook secret is configured" if not secret else "missing or wrong signature"
            log.warning("refused a Jira webhook from %s: %s", request.client.host if request.client else "?", reason)
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        try:
            body = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "body is not a JSON object"}, status_code=400)
        delivery = request.headers.get("X-Atlassian-Webhook-Identifier")
        changed = await run_in_threadpool(receive_webhook, domain, body, delivery)
        return JSONResponse({"ok": True, "changed": changed})

    return router
