"""HTTP mode: delivering events, commands and interactions to the app's Request URL, signed like Slack.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 keyed by the signing secret and sends it as
X-Slack-Signature: v0=<hex>. Commands and interactions are form-encoded (interactions as a single
`payload` JSON field); events are JSON. Retries carry X-Slack-Retry-Num / X-Slack-Retry-Reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
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
) -> Ack:
    """POST one request to the app and record its answer as an Ack (3 s deadline, like Slack)."""
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
        async with session.post(target, data=body, headers=headers, timeout=timeout) as response:
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
