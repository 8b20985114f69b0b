"""The leadership web view: incidents, reviews and trends in the browser, behind Sign in with Slack (or any
OpenID Connect provider).

:func:`web_pages_router` returns one router for ``build_web_app``: it mounts, under the configured prefix
(``/web`` by default), a small app of its own that adds what only the pages need (a signed session cookie,
security headers, error pages) without touching the app's other routes (Slack events, the API, webhooks).
The signed cookie names a server-side session (:mod:`incidents.web_sessions`) and nothing lives in memory, so any
number of replicas can serve, and signing out on one ends the session on all.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from incidents.context import Domain
from incidents.errors import NotFound, VigilError
from incidents.reviews import ReviewTemplates, load_templates
from incidents.web_sessions import SESSION_LIFETIME
from web.pages.auth import auth_router
from web.pages.base import RETURN_KEY, STATIC_DIR, Pages, SignInRequired, return_path
from web.pages.config import WebConfig
from web.pages.export import export_router
from web.pages.incident import incident_router
from web.pages.incident_list import list_router
from web.pages.review import review_router
from web.pages.security import SecurityHeaders
from web.pages.trends import trends_router

SESSION_COOKIE = "vigil_session"

__all__ = ["WebConfig", "build_pages_app", "web_pages_router"]


def build_pages_app(domain: Domain, config: WebConfig, reviews: ReviewTemplates | None = None) -> FastAPI:
    pages = Pages.create(domain, config, reviews or load_templates(config.templates_dir))
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.pages = pages
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        auth_router(pages),
        list_router(pages),
        review_router(pages),
        incident_router(pages),
        trends_router(pages),
        export_router(pages),
    ):
        app.include_router(router)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _exc: SignInRequired) -> Response:
        if request.method == "GET":
            going = return_path(request)
            if going is None:
                request.session.pop(RETURN_KEY, None)
            else:
                request.session[RETURN_KEY] = going
        return RedirectResponse(pages.url(request, "/signin"), status_code=303)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return pages.error(request, 404, "Not found", exc.message)

    @app.exception_handler(VigilError)
    async def refused(request: Request, exc: VigilError) -> Response:
        return pages.error(request, 400, "That did not work", exc.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if exc.status_code != 404 else "There is no page at this address."
        title = "Not found" if exc.status_code == 404 else "Refused"
        return pages.error(request, exc.status_code, title, message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def unreadable(request: Request, _exc: RequestValidationError) -> Response:
        return pages.error(request, 422, "That did not work", "This address is not one Vigil can read.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> Response:
        return pages.failure(request)

    app.add_middleware(
        SessionMiddleware,
        secret_key=config.session_secret,
        session_cookie=SESSION_COOKIE,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=config.prefix,
        same_site="lax",
        https_only=config.secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    return app


def web_pages_router(domain: Domain, config: WebConfig, reviews: ReviewTemplates | None = None) -> APIRouter:
    """The pages mounted at ``config.prefix``, for ``build_web_app(domain, routers=[...])``."""
    router = APIRouter()
    router.mount(config.prefix, build_pages_app(domain, config, reviews))
    return router
