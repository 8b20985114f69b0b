"""HTTP mode: a FastAPI app serving Slack at ``POST /slack/events``, for running behind a load balancer.

Every request's signature (HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret; requests older than
five minutes are refused) is checked here, before bolt sees the request: bolt parses the body before its own
check, answers 500 to a malformed timestamp or signature, and logs the whole refused body (verification token,
``response_url`` and all). A refusal is one log line without the body: 401 when the request is not Slack's, 400
when a signed body is not a Slack payload. Bolt answers ``url_verification`` itself. The sync bolt app runs in
the thread pool, so one slow request never blocks the event loop. Other features mount their routers on the app
this returns.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from bot.context import RECEIVED_AT
from bot.metrics import request_kind
from incidents.context import Domain
from incidents.observability import observer
from incidents.reviews import ReviewTemplates
from incidents.settings import Settings
from incidents.timesource import TimeSource
from web.api import build_api_router
from web.app import build_web_app
from web.jira_webhook import jira_webhook_router
from web.pagerduty_webhook import pagerduty_webhook_router
from web.pages import web_pages_router
from web.pages.config import WebConfig
from web.refusal import refuse

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
    return refuse(log, "a Slack request", request, status, reason)


def slack_router(bolt: App, signing_secret: str | None, clock: TimeSource) -> APIRouter:
    """``clock`` stamps each request as it arrives: what it records takes that time (:meth:`bot.context.Vigil.unit`),
    whichever of the thread pool's workers gets to it first."""
    router = APIRouter()

    @router.post(SLACK_EVENTS_PATH)
    async def slack_events(request: Request) -> Response:
        arrived, received = time.perf_counter(), clock.now()
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


def create_http_app(bolt: App, domain: Domain, settings: Settings, reviews: ReviewTemplates | None = None) -> FastAPI:
    """Everything ``vigil serve --http`` answers: Slack, the Jira and PagerDuty webhooks, the intake API and, when
    sign-in is configured, the web pages, in the one app that also serves ``/healthz``."""
    routers = [
        slack_router(bolt, settings.slack_signing_secret, domain.clock),
        jira_webhook_router(domain, settings.jira_webhook_secret),
        pagerduty_webhook_router(domain, settings.pagerduty_webhook_secret),
        build_api_router(domain, settings),
    ]
    if settings.oidc_client_id or settings.web_session_secret:
        routers.append(web_pages_router(domain, WebConfig.from_settings(settings), reviews))
    return build_web_app(domain, routers)
