"""Helpers for tests that drive the emulator through the official ``pagerduty`` client.

Kept out of the emulator proper so production code paths never import test conveniences, and free of pytest so any
test module (or a REPL) can use them.

The client retries on its own, which makes fault tests slow and hides what happened: ``EventsApiV2Client`` retries
500 twice, 502 four times, 503 and 504 six times; every client retries 429 without limit and transport errors
three times, sleeping 1.5 s x 2^n between tries. :func:`without_retries` makes one call one request, so the caller
(Vigil's outbox) decides about retrying.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import pagerduty

from emulators.pagerduty.server import PagerDutyEmulator

C = TypeVar("C", bound=pagerduty.ApiClient)


def without_retries(client: C) -> C:
    """Make every call one HTTP request: errors come back as responses (or ``pagerduty.Error``) at once.

    ``retry`` maps status -> retries, but 429 is retried without limit whenever its entry is 0, so it gets an entry
    and ``max_http_attempts = -1`` makes any entry count as exhausted before the first retry.
    """
    client.retry = {429: 1}
    client.max_http_attempts = -1
    client.max_network_attempts = 0
    client.sleep_timer = 0
    return client


def events_client(emu: PagerDutyEmulator, routing_key: str, retries: bool = False) -> pagerduty.EventsApiV2Client:
    """An Events API v2 client for ``routing_key`` that trusts the emulator's certificate."""
    client = pagerduty.EventsApiV2Client(routing_key, base_url=emu.url, verify=emu.ssl_context())
    client.timeout = 5
    return client if retries else without_retries(client)


def rest_client(emu: PagerDutyEmulator, token: str | None = None, retries: bool = False) -> pagerduty.RestApiV2Client:
    """A REST API v2 client with the emulator's API token (or ``token``) that trusts the emulator's certificate."""
    client = pagerduty.RestApiV2Client(token or emu.api_token, base_url=emu.url, verify=emu.ssl_context())
    client.timeout = 5
    return client if retries else without_retries(client)


@contextmanager
def running(
    tls: bool = True, events_per_minute: int = 120, webhook_retry_delays: tuple[float, ...] = (0.05, 0.05, 0.05, 0.05)
) -> Iterator[PagerDutyEmulator]:
    """A started emulator, stopped on exit; webhook retries are 50 ms apart so retry tests stay fast."""
    emu = PagerDutyEmulator(tls, events_per_minute, webhook_retry_delays).start()
    try:
        yield emu
    finally:
        emu.stop()
