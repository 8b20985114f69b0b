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

SLACK_EVENTS_PATH = "/slack/events"


def slack_router(bolt: App) -> APIRouter:
    router = APIRouter()

    @router.post(SLACK_EVENTS_PATH)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(response)

    return router


def create_http_app(bolt: App) -> FastAPI:
    app = FastAPI(title="Vigil", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(slack_router(bolt))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
