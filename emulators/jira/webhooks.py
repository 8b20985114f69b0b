"""Outgoing webhooks, shaped and signed like Jira's admin webhooks.

Bodies are built synchronously when the change happens (so they carry the issue as it was then) and
delivered in order by one worker on the emulator's event loop, the way Jira delivers asynchronously
after the change is committed. Every delivery is recorded with the receiver's status.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from emulators.jira.render import comment_json, issue_json, user_json
from emulators.jira.state import Change, JiraState
from emulators.webhook_post import WebhookPost

_COMMENT_ISSUE_FIELDS = ["summary", "issuetype", "project", "assignee", "priority", "status"]


@dataclass(frozen=True)
class Webhook:
    """A registered webhook: target URL, optional HMAC secret and the events it subscribes to."""

    id: int
    url: str
    secret: str | None
    events: tuple[str, ...]


@dataclass
class Delivery(WebhookPost):
    """One delivery attempt; ``status`` is None when the receiver could not be reached."""

    webhook_id: int
    event: str
    done: threading.Event = field(default_factory=threading.Event, repr=False)


def build_body(state: JiraState, change: Change, hook: Webhook) -> dict[str, Any]:
    """The JSON Jira posts for an issue or comment event."""
    body: dict[str, Any] = {
        "timestamp": int(time.time() * 1000),
        "webhookEvent": change.event,
        "user": user_json(state, state.users.get(change.actor)),
    }
    if change.event.startswith("jira:"):
        body["issue_event_type_name"] = change.type_name
        body["issue"] = issue_json(state, change.issue, "2")
    else:
        body["issue"] = issue_json(state, change.issue, "2", fields=_COMMENT_ISSUE_FIELDS)
    if change.history is not None:
        body["changelog"] = {"id": change.history.id, "items": [i.as_json() for i in change.history.items]}
    if change.comment is not None:
        body["comment"] = comment_json(state, change.issue, change.comment, "2")
    if state.deployment == "Cloud":
        body["matchedWebhookIds"] = [hook.id]
    return body


def signature(secret: str, raw: bytes) -> str:
    """``X-Hub-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of the raw body keyed by the secret."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class WebhookDispatcher:
    """Turns state changes into queued deliveries and sends them from the emulator's loop."""

    def __init__(self, state: JiraState) -> None:
        self.state = state
        self.hooks: list[Webhook] = []
        self.deliveries: list[Delivery] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Delivery] | None = None
        self._handoff = threading.Lock()
        state.listeners.append(self.on_change)

    def add(self, url: str, secret: str | None, events: tuple[str, ...]) -> Webhook:
        """Register a webhook."""
        hook = Webhook(len(self.hooks) + 1, url, secret, events)
        self.hooks.append(hook)
        return hook

    def on_change(self, change: Change) -> None:
        """Listener called under the state lock: snapshot the body now, send later."""
        for hook in self.hooks:
            if change.event not in hook.events:
                continue
            raw = json.dumps(build_body(self.state, change, hook)).encode()
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Atlassian Webhook HTTP Client",
                "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
            }
            if hook.secret:
                headers["X-Hub-Signature"] = signature(hook.secret, raw)
            delivery = Delivery(hook.id, change.event, url=hook.url, body=raw, headers=headers)
            with self._handoff:
                self.deliveries.append(delivery)
                if self._loop is not None and self._queue is not None:
                    self._loop.call_soon_threadsafe(self._queue.put_nowait, delivery)

    async def run(self) -> None:
        """Delivery worker; started on the emulator loop and cancelled on stop."""
        queue: asyncio.Queue[Delivery] = asyncio.Queue()
        with self._handoff:
            for pending in [d for d in self.deliveries if not d.done.is_set()]:
                queue.put_nowait(pending)
            self._loop, self._queue = asyncio.get_running_loop(), queue
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                while True:
                    await self._send(session, await queue.get())
        finally:
            with self._handoff:
                self._loop = self._queue = None

    async def _send(self, session: aiohttp.ClientSession, delivery: Delivery) -> None:
        """POST one delivery and record the outcome."""
        try:
            await delivery.send(session)
        finally:
            delivery.done.set()
