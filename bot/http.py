"""HTTP mode: a FastAPI app serving Slack at ``POST /slack/events``, for running behind a load balancer.

Every request's signature (HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret; requests older than
five minutes are refused) is checked here, before bolt sees the request: bolt parses the body before its own
check, answers 500 to a malformed timestamp or signature, and logs the whole refused body (verification token,
``response_url`` and all). A refusal is one log line without the body: 401 when the request is not Slack's, 400
when a signed body is not a Slack payload. Bolt answers ``url_verification`` itself. The sync bolt app runs in
the thread pool, so one slow request never blocks the event loop. This is only Slack's router: the app that also
serves the webhooks, the API and the web pages is assembled in :mod:`vigil.http_app`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from bot.context import RECEIVED_AT
from bot.metrics import request_kind
from incidents.observability import observer
from incidents.timesource import TimeSource

SLACK_EVENTS_PATH = "/slack/events"
MAX_AGE_S = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NOT_A_PAYLOAD = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)
"""What bolt's body parsing and context extraction raise on a body that is not a Slack payload (not UTF-8, not
JSON or nested too deep, a ``payload=`` field that is not a JSON object, fields of the wrong type)."""

log = logging.getLogger(__name__)


def _refusal(headers: Headers, body: bytes, signing_secret: str | None, now: float) -> str | None:
    """Why this request is not Slack's, or None when its signature and timestamp check out."""
    if not signing_secret:
        return "no signing secret is configured"
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not _TIMESTAMP.fullmatch(timestamp):
        return "missing or malformed timestamp"
    if abs(now - int(timestamp)) > MAX_AGE_S:
        return "stale timestamp"
    # Over the raw bytes (slack_sdk's verifier decodes the body as UTF-8 first, and raises when it is not).
    digest = hmac.new(signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    # Starlette decodes headers as latin-1, so this is the signature's bytes as sent, ASCII or not.
    if not hmac.compare_digest(b"v0=" + digest.encode(), headers.get("x-slack-signature", "").encode("latin-1")):
        return "missing or wrong signature"
    return None


def _refuse(request: Request, status: int, reason: str) -> JSONResponse:
    """One log line naming the caller and the reason, never the body or a header's value (anyone can write what
    this endpoint logs); a 401 says only "unauthorized", so a prober learns nothing. The webhooks in ``web`` refuse
    the same way (:mod:`web.refusal`), which ``bot`` does not import."""
    log.warning("refused a Slack request from %s: %s", request.client.host if request.client else "?", reason)
    return JSONResponse({"error": "unauthorized" if status == 401 else reason}, status_code=status)


def slack_router(bolt: App, signing_secret: str | None, time_source: TimeSource) -> APIRouter:
    """``time_source`` stamps each request as it arrives: what it records takes that time
    (:meth:`incidents.context.Domain.unit`), whichever of the thread pool's workers gets to it first. Arrival is
    when the event loop reads the request: requests on different connections keep their order only down to the
    loop's latency, as a busy loop reads one on an open keep-alive connection a few turns before one on a
    connection it has yet to accept (Socket Mode's one connection keeps Slack's order exactly)."""
    router = APIRouter()

    @router.post(SLACK_EVENTS_PATH)
    async def slack_events(request: Request) -> Response:
        arrived, received = time.perf_counter(), time_source.now()
        body = await request.body()
        reason = _refusal(request.headers, body, signing_secret, time.time())
        if reason is not None:
            return _refuse(request, 401, reason)
        try:
            bolt_request: BoltRequest = to_bolt_request(request, body)
        except _NOT_A_PAYLOAD:
            return _refuse(request, 400, "the body is not a Slack payload")
        bolt_request.context[RECEIVED_AT] = received
        response = await run_in_threadpool(bolt.dispatch, bolt_request)
        observer().acked(request_kind(bolt_request.body), time.perf_counter() - arrived)
        return to_starlette_response(response)

    return router
