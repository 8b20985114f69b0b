"""``vigil web``: the web view on its own port, as a process of its own (``vigil serve --http`` mounts the same
router beside Slack's instead, :mod:`vigil.http_app`). Assembled here, not in ``web``, which offers routers only."""

from __future__ import annotations

import argparse
import logging
import sys

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from incidents import migrate
from incidents.context import Domain
from incidents.settings import load_settings
from web.app import build_web_app
from web.pages import WebConfig, web_pages_router
from web.server import WebServer


def root_redirect(prefix: str) -> APIRouter:
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    def root(_request: Request) -> RedirectResponse:
        return RedirectResponse(prefix + "/incidents", status_code=303)

    return router


def serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    config = WebConfig.from_settings(settings)
    if not migrate.is_current(settings.database_url):
        print("vigil web: the database schema is not up to date; run `vigil db upgrade` first.", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("httpx2").setLevel(logging.WARNING)  # one line per sign-in request otherwise
    domain = Domain.from_settings(settings)
    app = build_web_app(domain, [web_pages_router(domain, config), root_redirect(config.prefix)])
    server = WebServer(app, host=args.host, port=args.port)
    print(f"Vigil web view on {server.url}{config.prefix}/ (sign-in through {config.issuer})")
    try:
        server.serve_forever()
    finally:
        domain.engine.dispose()
    return 0
