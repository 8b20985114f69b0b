"""v3 webhook subscriptions and their delivery, shaped, signed and retried like PagerDuty's.

A body is rendered when the incident changes (so it carries the incident as it was then) and delivered later from
the emulator's event loop. As PagerDuty documents: one webhook at a time per subscription, in order, a later one
waiting while an earlier one is retried; retried on 5xx, 429, timeouts and connection errors, up to 5 attempts in
all; dropped at once on any other 4xx; ``X-Webhook-Id`` is the same on every attempt so a receiver can de-duplicate.
Each attempt is signed afresh with every secret the subscription holds, so a rotation shows up as two ``v1=``
signatures. The backoff between attempts is ``retry_delays`` (PagerDuty spreads its retries over ~20 minutes; the
emulator defaults to seconds, and tests set milliseconds). Every attempt is recorded as a :class:`Delivery`.

The delivery itself (:class:`WebhookDeliverer`) is shared with JSM's outgoing webhooks
(:mod:`emulators.pagerduty.jsm_webhooks`), which differ in what they send and how they authenticate.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from emulators.pagerduty.model import Service, iso, new_id
from emulators.pagerduty.render import agent_json, incident_json
from emulators.pagerduty.state import Change, PagerDutyState
from emulators.webhook_post import WebhookPost

INCIDENT_EVENTS = (
    "incident.triggered",
    "incident.acknowledged",
    "incident.escalated",
    "incident.resolved",
)
USER_AGENT = "PagerDuty-Webhook/V3.0"
DEFAULT_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


@dataclass
class Subscription:
    """A webhook subscription: where to POST, the signing secrets (newest first), which events, which service, and
    custom headers sent with every call."""

    id: str
    url: str
    secrets: list[str]
    events: tuple[str, ...]
    service: Service | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def wants(self, change: Change) -> bool:
        """Whether this subscription's event types and filter match the change."""
        return change.event_type in self.events and (self.service is None or change.incident.service is self.service)


@dataclass
class Delivery(WebhookPost):
    """One delivery attempt; ``status`` is None when the receiver could not be reached (see ``error``)."""

    webhook_id: str
    subscription_id: str
    event_type: str
    attempt: int

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Webhook:
    """One event bound for one subscription, across its attempts; ``outcome`` is set when it is done:
    ``delivered``, ``dropped`` (a 4xx other than 429: not retried) or ``gave up`` (out of attempts)."""

    id: str
    subscription: Subscription
    event_type: str
    body: bytes
    attempts: list[Delivery] = field(default_factory=list)
    outcome: str | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def json(self) -> dict[str, Any]:
        """The body, parsed."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


def signature(secrets_: Iterable[str], raw: bytes) -> str:
    """``X-PagerDuty-Signature``: ``v1=<hex HMAC-SHA256 of the raw body>`` per secret, comma-separated."""
    return ",".join("v1=" + hmac.new(s.encode(), raw, hashlib.sha256).hexdigest() for s in secrets_)


def build_body(state: PagerDutyState, change: Change) -> bytes:
    """The v3 envelope for an incident change."""
    event = {
        "event": {
            "id": new_id("01", 26),
            "event_type": change.event_type,
            "resource_type": "incident",
            "occurred_at": iso(change.at, millis=True),
            "agent": agent_json(state, change.agent),
            "client": None,
            "data": incident_json(state, change.incident),
        }
    }
    return json.dumps(event).encode()


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


class WebhookDeliverer:
    """Delivers webhooks from the emulator's loop, one worker per subscription, each in order and retried as
    PagerDuty does; subclasses say what headers each attempt carries and queue webhooks with :meth:`queue`."""

    def __init__(self, retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS) -> None:
        self.retry_delays = retry_delays
        self.timeout = 5.0  # PagerDuty expects a 2xx within 5 seconds
        self.subscriptions: list[Subscription] = []
        self.webhooks: list[Webhook] = []
        self.deliveries: list[Delivery] = []
        self._handoff = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: dict[str, asyncio.Queue[Webhook]] = {}

    def headers(self, webhook: Webhook) -> dict[str, str]:
        """The headers of one attempt (signed afresh each time, where the service signs)."""
        return {"Content-Type": "application/json", **webhook.subscription.headers}

    def add(self, subscription: Subscription) -> Subscription:
        with self._handoff:
            self.subscriptions.append(subscription)
        return subscription

    def queue(self, subscription: Subscription, event_type: str, body: bytes) -> None:
        """Deliver ``body`` to ``subscription`` after what is queued for it already."""
        webhook = Webhook(str(uuid.uuid4()), subscription, event_type, body)
        with self._handoff:
            self.webhooks.append(webhook)
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._enqueue, webhook)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start delivering on ``loop``, beginning with what queued up before."""
        with self._handoff:
            self._loop = loop
            for webhook in [w for w in self.webhooks if not w.done.is_set()]:
                loop.call_soon_threadsafe(self._enqueue, webhook)

    def detach(self) -> None:
        """Stop handing webhooks to the loop (its workers are cancelled with the loop's other tasks)."""
        with self._handoff:
            self._loop = None
            self._queues.clear()

    def _enqueue(self, webhook: Webhook) -> None:
        """On the loop: queue for the subscription's worker, starting the worker on first use."""
        queue = self._queues.get(webhook.subscription.id)
        if queue is None:
            queue = self._queues[webhook.subscription.id] = asyncio.Queue()
            asyncio.get_running_loop().create_task(self._worker(queue))
        queue.put_nowait(webhook)

    async def _worker(self, queue: asyncio.Queue[Webhook]) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await self._deliver(session, await queue.get())

    async def _deliver(self, session: aiohttp.ClientSession, webhook: Webhook) -> None:
        """Attempt until delivered, dropped or out of attempts, sleeping ``retry_delays`` in between."""
        delays = list(self.retry_delays)
        while True:
            attempt = await self._attempt(session, webhook)
            if attempt.ok:
                webhook.outcome = "delivered"
            elif attempt.status is not None and not _retryable(attempt.status):
                webhook.outcome = "dropped"
            elif not delays:
                webhook.outcome = "gave up"
            if webhook.outcome is not None:
                webhook.done.set()
                return
            await asyncio.sleep(delays.pop(0))

    async def _attempt(self, session: aiohttp.ClientSession, webhook: Webhook) -> Delivery:
        sub = webhook.subscription
        attempt = len(webhook.attempts) + 1
        delivery = Delivery(
            webhook.id,
            sub.id,
            webhook.event_type,
            attempt,
            url=sub.url,
            body=webhook.body,
            headers=self.headers(webhook),
        )
        await delivery.send(session)
        with self._handoff:
            webhook.attempts.append(delivery)
            self.deliveries.append(delivery)
        return delivery


class WebhookDispatcher(WebhookDeliverer):
    """Turns PagerDuty incident changes into v3 webhooks, signed with each subscription's secrets."""

    def __init__(self, state: PagerDutyState, retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS) -> None:
        super().__init__(retry_delays)
        self.state = state
        state.listeners.append(self.on_change)

    def subscribe(
        self, url: str, secret: str | None, events: Iterable[str] | None, service: Service | None
    ) -> Subscription:
        """Register a subscription; without ``secret`` one is generated, as PagerDuty does."""
        chosen = tuple(events) if events is not None else INCIDENT_EVENTS
        return self.add(Subscription(new_id("P"), url, [secret or secrets.token_urlsafe(48)], chosen, service))

    def on_change(self, change: Change) -> None:
        """State listener (called under the state lock): render now, deliver later."""
        subscribers = [s for s in self.subscriptions if s.wants(change)]
        body = build_body(self.state, change) if subscribers else b""  # one event id, whoever receives it
        for sub in subscribers:
            self.queue(sub, change.event_type, body)

    def headers(self, webhook: Webhook) -> dict[str, str]:
        sub = webhook.subscription
        return super().headers(webhook) | {
            "User-Agent": USER_AGENT,
            "X-Webhook-Id": webhook.id,
            "X-Webhook-Subscription": sub.id,
            "X-PagerDuty-Signature": signature(sub.secrets, webhook.body),
        }
