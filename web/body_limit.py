"""A cap on every request body the app reads: no route buffers more than :data:`MAX_BODY_BYTES`.

Pure ASGI middleware wrapping ``receive``: a body whose Content-Length is over the cap is refused on the first
read, before any of it is taken from the socket; a chunked body is counted as it streams and refused as soon as
it passes the cap. The refusal is an ``HTTPException(413)`` raised from ``receive``, so each surface answers it in
its own shape (the intake API's error list, the web pages' error page, JSON elsewhere), and is logged here once,
without the body. Slack's own payloads stay well under the cap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        logged = False

        def log_once(what: str) -> None:
            nonlocal logged
            if not logged:
                client = scope.get("client") or ("?",)
                log.warning("refused a request to %s from %s: body too large (%s)", _path(scope), client[0], what)
                logged = True

        await self.app(scope, limited(scope, receive, self.max_bytes, on_refusal=log_once), send)


def limited(
    scope: Scope, receive: Receive, max_bytes: int, *, on_refusal: Callable[[str], None] | None = None
) -> Receive:
    """``receive`` that refuses a body over ``max_bytes`` with ``HTTPException(413)``: on the first read when its
    Content-Length says so, else as soon as the bytes streamed pass it. The app-wide cap and each intake API
    operation's own (smaller) cap both read through it."""
    declared = _content_length(scope)
    received = 0
    refused = False

    def refuse(what: str) -> HTTPException:
        nonlocal refused
        refused = True
        if on_refusal is not None:
            on_refusal(what)
        return HTTPException(413, f"The request body is larger than {_size(max_bytes)}; send less.")

    async def limited_receive() -> Message:
        nonlocal received
        if refused or (declared is not None and declared > max_bytes):
            raise refuse(f"Content-Length {declared}")
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise refuse(f"{received} bytes streamed")
        return message

    return limited_receive


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


def _path(scope: Scope) -> str:
    """The path as sent, still percent-encoded (a decoded ``%0A`` would start a forged log line), cut short."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    return raw[:200].decode("ascii", "backslashreplace")


def _size(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} bytes"
