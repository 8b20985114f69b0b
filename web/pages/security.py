"""Headers every page carries (error pages too), and the CSRF token every form carries.

The Content-Security-Policy allows no script at all and styles only from the app's own stylesheet (or, for a
review, the exact inline style block it was rendered with, by hash); no page may be framed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from fastapi import HTTPException, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_HEADER = "content-security-policy"
_BASE_POLICY = (
    "default-src 'none'; script-src 'none'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DEFAULT_CSP = f"{_BASE_POLICY}; style-src 'self'"
FIXED_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
CSRF_FIELD = "csrf_token"


def csp_for_inline_styles(html: str) -> str:
    """The policy for a page whose only styles are its own ``<style>`` blocks (the standalone review page)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in _STYLE_BLOCK.findall(html)
    )
    return f"{_BASE_POLICY}; style-src 'self' {hashes}".rstrip()


def secure(headers: MutableHeaders, *, static: bool = False) -> None:
    """Add the headers above, keeping a CSP the response set itself; pages (not static files) are never cached."""
    if CSP_HEADER not in headers:
        headers[CSP_HEADER] = DEFAULT_CSP
    for name, value in FIXED_HEADERS.items():
        headers[name] = value
    if not static:
        headers["cache-control"] = "no-store"


class SecurityHeaders:
    """Pure ASGI middleware: :func:`secure` on every response. Starlette answers an unhandled exception outside
    all middleware, so that answer is secured by the pages' own 500 handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = "/static/" in scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                secure(MutableHeaders(scope=message), static=static)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The session's token (made on first use); forms send it back in :data:`CSRF_FIELD`."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def require_csrf(request: Request) -> None:
    """A FastAPI dependency for every POST: the form's token must equal the session's (403 otherwise)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="This form has expired. Reload the page and try again.")
