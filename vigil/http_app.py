"""What ``vigil serve --http`` (and ``vigil try``) answers: every router, Slack's from ``bot`` and the rest from
``web``, mounted on the one app that also serves ``/healthz``, ``/readyz`` and ``/metrics``.

Here because ``bot`` and ``web`` do not import each other: the composition root is the one place that knows both.
"""

from __future__ import annotations

from fastapi import FastAPI
from slack_bolt import App

from bot.http import slack_router
from incidents.context import Domain
from incidents.reviews import ReviewTemplates
from incidents.settings import Settings
from web.api import build_api_router
from web.app import build_web_app
from web.jira_webhook import jira_webhook_router
from web.jsm_webhook import jsm_webhook_router
from web.pagerduty_webhook import pagerduty_webhook_router
from web.pages import web_pages_router
from web.pages.config import WebConfig


def create_http_app(bolt: App, domain: Domain, settings: Settings, reviews: ReviewTemplates | None = None) -> FastAPI:
    """Everything ``vigil serve --http`` answers: Slack, the Jira, PagerDuty and JSM webhooks, the intake API and, when
    sign-in is configured, the web pages, in the one app that also serves ``/healthz``."""
    routers = [
        slack_router(bolt, settings.slack_signing_secret, domain.time_source),
        jira_webhook_router(domain, settings.jira_webhook_secret),
        pagerduty_webhook_router(domain, settings.pagerduty_webhook_secret),
        jsm_webhook_router(domain, settings.jsm_webhook_secret),
        build_api_router(domain, settings),
    ]
    if settings.oidc_client_id or settings.web_session_secret:
        routers.append(web_pages_router(domain, WebConfig.from_settings(settings), reviews))
    return build_web_app(domain, routers)
