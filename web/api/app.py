"""The intake API as the shared app mounts it: the operations of :data:`web.api.routes.router` (at their paths under
``/api/v1``), with what they depend on (:mod:`web.api.dependencies`) handed to every request as lifespan state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from incidents.context import Domain
from incidents.links import WebAddress
from web.api.calls import Calls
from web.api.dependencies import INTAKE, Intake
from web.api.routes import router


def build_api_router(domain: Domain, web: WebAddress | None = None) -> APIRouter:
    """The API over ``domain``, for ``build_web_app(domain, routers=[...])``; ``web`` (the settings) gives each
    incident's ``url`` in the web view. Its state lives in the app that includes it, so every app in a process
    (tests, the bench's replicas) has its own."""
    intake = Intake(Calls(domain), web)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, Intake]]:
        yield {INTAKE: intake}

    return APIRouter(routes=list(router.routes), lifespan=lifespan)
