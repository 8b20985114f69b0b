"""The one FastAPI application behind ``vigil serve --http`` (and ``vigil web``).

Features contribute routers; the app adds what every replica behind a load balancer needs: a health check that
proves the database answers. No state lives in the process, so any number of replicas can serve.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from incidents.context import Domain


def build_web_app(domain: Domain, routers: Iterable[APIRouter] = ()) -> FastAPI:
    app = FastAPI(title="Vigil", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        try:
            with domain.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"ok": False, "database": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True})

    for router in routers:
        app.include_router(router)
    return app
