"""HTTP mode: a FastAPI app serving Slack at ``POST /slack/events``, for running behind a load balancer.

Bolt verifies every request's signature (HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret;
requests older than five minutes are refused) and answers ``url_verification`` itself. The sync bolt app runs
in the thread pool, so one slow request never blocks the event loop. Other features mount their routers on
the app this returns.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool

from incidents.context import Domain
from incidents.reviews import ReviewTemplates
from incidents.settings import Settings
from web.api.routes import build_api_router
from web.app import build_web_app
from web.jira_webhook import jira_webhook_router
from web.pages import web_pages_router
from web.pages.config import WebConfig

SLACK_EVENTS_PATH = "/slack/events"


def slack_router(bolt: App) -> APIRouter:
    router = APIRouter()

    @router.post(SLACK_EVENTS_PATH)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(response)

    return router


def create_http_app(bolt: App, domain: Domain, settings: Settings, reviews: ReviewTemplates | None = None) -> FastAPI:
    """Everything ``vigil serve --http`` answers: Slack, the Jira webhook, the intake API and, when sign-in is
    configured, the web pages, in the one app that also serves ``/healthz``."""
    routers = [
        slack_router(bolt),
        jira_webhook_router(domain, settings.jira_webhook_secret),
        build_api_router(domain, web_base_url=settings.web_base_url),
    ]
    if settings.oidc_client_id or settings.web_session_secret:
        routers.append(web_pages_router(domain, WebConfig.from_settings(settings), reviews))
    return build_web_app(domain, routers)
