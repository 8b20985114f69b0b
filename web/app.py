"""The one FastAPI application behind ``vigil serve --http`` (and ``vigil web``).

Features contribute routers; the app adds what every replica behind a load balancer needs: a health check that
proves the database answers (``/healthz``), a readiness check that it is also at this version's schema
(``/readyz``), Prometheus metrics (``/metrics``), a request id on every log line, and a cap on every request body
(:mod:`web.body_limit`). No state lives in the
process, so any number of replicas can serve.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from incidents.context import Domain
from incidents.observability import not_ready
from web.body_limit import MAX_BODY_BYTES, BodyLimit
from web.metrics import RequestTelemetry, metrics_router

WORKER_THREADS = 8
"""Threads running the synchronous endpoints and the intake API's batches. Few on purpose: each holds the GIL
for its Python work, and with AnyIO's default of 40 the thread holding a database lock waited behind dozens of
others for the GIL (declares, before they were batched: ~50/s with 40 threads, ~100/s with 4-8)."""


def build_web_app(
    domain: Domain,
    routers: Iterable[APIRouter] = (),
    *,
    worker_threads: int = WORKER_THREADS,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads
        yield

    app = FastAPI(title="Vigil", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(RequestTelemetry)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        try:
            with domain.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"ok": False, "database": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True})

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        reason = not_ready(domain.engine)
        if reason is not None:
            return JSONResponse({"ok": False, "reason": reason}, status_code=503)
        return JSONResponse({"ok": True})

    for router in [metrics_router(domain), *routers]:
        app.include_router(router)
    return app
