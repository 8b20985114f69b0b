"""What every page shares: the templates, the signed-in viewer, and how pages and errors are rendered."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from incidents.access import Viewer, make_viewer
from incidents.context import Domain
from incidents.reviews import ReviewTemplates
from incidents.reviews.formatting import DASH, duration, when
from incidents.web_sessions import session_person
from web.pages.config import WebConfig
from web.pages.security import CSRF_FIELD, csrf_token, secure

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "web"
STATIC_DIR = TEMPLATES_DIR / "static"
SESSION_KEY = "sid"
"""The session-cookie entry holding the server-side session id (:mod:`incidents.web_sessions`)."""
RETURN_KEY = "next"
"""The session-cookie entry holding where a signed-out request was going, to land there after signing in."""
RETURN_PATH_MAX = 1024
"""The longest return path kept in the cookie: the whole cookie must stay under the 4 KB browsers keep."""
FAILED = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong · Vigil</title>'
    "</head><body><h1>Something went wrong</h1><p>Vigil could not answer this request. Try again in a minute.</p>"
    "</body></html>"
)
log = logging.getLogger(__name__)


class SignInRequired(Exception):
    """Raised by :meth:`Pages.viewer` when nobody is signed in: answered with a redirect to the sign-in page."""


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["when"] = when
    env.filters["duration"] = lambda d: duration(d) if isinstance(d, timedelta) else DASH
    env.filters["day"] = lambda d: f"{d:%d %b}" if d else DASH
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    return env


@dataclass
class Pages:
    domain: Domain
    config: WebConfig
    reviews: ReviewTemplates
    env: Environment

    @classmethod
    def create(cls, domain: Domain, config: WebConfig, reviews: ReviewTemplates) -> Pages:
        return cls(domain, config, reviews, _environment())

    def viewer(self, request: Request) -> Viewer:
        """The signed-in viewer (a FastAPI dependency). The cookie only names a server-side session, looked up once
        per request, so a signed-out session is refused on every replica. Leadership is decided on every request
        from the settings, so removing someone from the group takes effect at once."""
        if not hasattr(request.state, "viewer"):
            request.state.viewer = self._live_viewer(request.session.get(SESSION_KEY))
        if request.state.viewer is None:
            raise SignInRequired
        viewer: Viewer = request.state.viewer
        return viewer

    def _live_viewer(self, session_id: object) -> Viewer | None:
        if not isinstance(session_id, str):
            return None
        with self.domain.unit() as ctx:
            person = session_person(ctx, session_id)
        return make_viewer(person.key, person.name, person.email, self.config.leadership) if person else None

    def optional_viewer(self, request: Request) -> Viewer | None:
        try:
            return self.viewer(request)
        except SignInRequired:
            return None

    def url(self, request: Request, path: str) -> str:
        """An absolute path under the prefix the pages are mounted at."""
        root: str = request.scope.get("root_path", "")
        return root + path

    def render(self, request: Request, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("viewer", self.optional_viewer(request))
        html = self.env.get_template(template).render(
            base=request.scope.get("root_path", ""),
            csrf=csrf_token(request),
            path=request.url.path,
            generated=when(self.domain.time_source.now()),
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def error(
        self, request: Request, status: int, title: str, message: str, headers: Mapping[str, str] | None = None
    ) -> HTMLResponse:
        response = self.render(request, "error.html.j2", status=status, title=title, message=message)
        response.headers.update(headers or {})
        return response

    def failure(self, request: Request) -> HTMLResponse:
        """The 500 page, secured here: Starlette sends it from outside every middleware. It reads neither the
        database nor the session (either may be what failed), and says nothing of the failure."""
        try:
            html = self.env.get_template("error.html.j2").render(
                base=request.scope.get("root_path", ""),
                csrf="",
                path=request.url.path,
                generated=when(self.domain.time_source.now()),
                viewer=None,
                title="Something went wrong",
                message="Vigil could not answer this request. Try again in a minute.",
            )
        except Exception:
            log.exception("the error page itself failed")
            html = FAILED
        response = HTMLResponse(html, status_code=500)
        secure(response.headers)
        return response


def return_path(request: Request) -> str | None:
    """Where a signed-out GET was going, bounded to :data:`RETURN_PATH_MAX`: with its query when that fits, else
    the path alone, else nowhere (the incident list)."""
    path, query = request.url.path, request.url.query
    whole = path + (f"?{query}" if query else "")
    if len(whole) <= RETURN_PATH_MAX:
        return whole
    return path if len(path) <= RETURN_PATH_MAX else None


def current_viewer(request: Request) -> Viewer:
    """The FastAPI dependency behind :data:`SignedIn` (the pages object is on the pages app's state)."""
    pages: Pages = request.app.state.pages
    return pages.viewer(request)


SignedIn = Annotated[Viewer, Depends(current_viewer)]
