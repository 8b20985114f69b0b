"""HTTP mode: delivering events, commands and interactions to the app's Request URL, signed like Slack.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 keyed by the signing secret and sends it as
X-Slack-Signature: v0=<hex>. Commands and interactions are form-encoded (interactions as a single
`payload` JSON field); events are JSON. Retries carry X-Slack-Retry-Num / X-Slack-Retry-Reason.

Requests reach the app in the order they were sent (:class:`SlackSender`), as the app stamps each on arrival.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import aiohttp

from emulators.slack.models import Ack
from emulators.slack.socket_mode import ACK_TIMEOUT_S


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def encode_body(envelope_type: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    """(body, content type) exactly as Slack posts each kind of request."""
    if envelope_type == "slash_commands":
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"
    if envelope_type == "interactive":
        return urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
    return json.dumps(payload).encode(), "application/json"


async def post_signed(
    session: aiohttp.ClientSession,
    target: str,
    envelope_type: str,
    payload: dict[str, Any],
    signing_secret: str,
    retry: tuple[int, str] | None = None,
    timestamp: int | None = None,
    written: asyncio.Event | None = None,
) -> Ack:
    """POST one request to the app and record its answer as an Ack (3 s deadline, like Slack). ``written`` is set
    as the body is written, on a session traced by :class:`SlackSender`."""
    body, content_type = encode_body(envelope_type, payload)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(signing_secret, stamp, body),
    }
    if retry and retry[0] > 0:
        headers.update({"X-Slack-Retry-Num": str(retry[0]), "X-Slack-Retry-Reason": retry[1]})
    ack = Ack(envelope_id="", type=envelope_type)
    started = time.monotonic()
    try:
        timeout = aiohttp.ClientTimeout(total=ACK_TIMEOUT_S)
        async with session.post(
            target, data=body, headers=headers, timeout=timeout, trace_request_ctx=written
        ) as response:
            ack.status = response.status
            ack.body = await response.text()
    except TimeoutError:
        ack.timed_out = True
        return ack
    ack.ack_ms = (time.monotonic() - started) * 1000
    if ack.body:
        try:
            ack.payload = json.loads(ack.body)
        except json.JSONDecodeError:
            ack.payload = {"text": ack.body}
    return ack


class SlackSender:
    """Slack's side of HTTP mode: each request on a connection of its own, put on the wire once the one sent before
    it has been written, so the app reads them in the order they were sent (it stamps each on arrival).

    With pooled keep-alive connections, a request that found an idle connection overtook one sent 10 ms earlier that
    was still opening a new connection; and even written in order, the app's event loop, when busy, reads a request
    on an open connection a few turns before one whose connection it has yet to accept. Create it on the emulator's
    loop."""

    def __init__(self) -> None:
        trace = aiohttp.TraceConfig()
        trace.on_request_chunk_sent.append(_body_written)
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True), trace_configs=[trace])
        self._turn = asyncio.Lock()

    async def post(
        self,
        target: str,
        envelope_type: str,
        payload: dict[str, Any],
        signing_secret: str,
        retry: tuple[int, str] | None = None,
        timestamp: int | None = None,
    ) -> Ack:
        """:func:`post_signed`, after the requests sent before it are on the wire."""
        written = asyncio.Event()
        async with self._turn:
            answer = asyncio.ensure_future(
                post_signed(self.session, target, envelope_type, payload, signing_secret, retry, timestamp, written)
            )
            on_the_wire = asyncio.ensure_future(written.wait())
            await asyncio.wait({answer, on_the_wire}, return_when=asyncio.FIRST_COMPLETED)  # or it failed unsent
            on_the_wire.cancel()
        return await answer

    async def close(self) -> None:
        await self.session.close()


async def _body_written(_session: aiohttp.ClientSession, context: SimpleNamespace, _params: object) -> None:
    """aiohttp writes the chunk right after this returns, with no await in between: a request waiting its turn
    runs after the write."""
    written = context.trace_request_ctx
    if isinstance(written, asyncio.Event):
        written.set()
