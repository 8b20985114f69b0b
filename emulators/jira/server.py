"""The Jira emulator: an aiohttp server on its own thread and loop, plus the test-facing API.

The server binds 127.0.0.1 on a port chosen once; ``go_down`` tears the listener and every open
connection down (clients then get "connection refused", also on pooled keep-alive connections) and
``come_up`` listens on the same port again, so a client configured with ``emu.url`` keeps working
(see :mod:`emulators.loopback`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Iterable
from typing import Any, Self

from aiohttp import web

from emulators.jira import routes_issue, routes_meta, routes_search
from emulators.jira.faults import (
    CREDENTIALS,
    FAULTS,
    Fault,
    FaultPlan,
    RequestRecord,
    basic_credentials,
    fault_middleware,
)
from emulators.jira.model import Deployment, Issue, User
from emulators.jira.rest import STATE
from emulators.jira.state import JiraState
from emulators.jira.validate import validate_edit
from emulators.jira.webhooks import Delivery, Webhook, WebhookDispatcher
from emulators.loopback import LoopbackServer

DEFAULT_EVENTS = ("jira:issue_updated", "jira:issue_created")


class JiraEmulator(LoopbackServer):
    """A local Jira Cloud or Server/DC site for tests; see the package docstring for usage."""

    thread_name = "jira-emulator"

    def __init__(self, deployment: Deployment = "Cloud", email: str = "vigil-bot@example.com") -> None:
        super().__init__()
        if deployment not in ("Cloud", "Server"):
            raise ValueError(f"deployment must be 'Cloud' or 'Server', not {deployment!r}")
        self.deployment: Deployment = deployment
        self.email = email
        self.api_token = secrets.token_urlsafe(18)
        self.pat = secrets.token_urlsafe(33)
        self.state = JiraState(deployment, self._new_user(email, "Vigil Bot", None, None, serial=0))
        self.human = self.add_user("jira-admin@example.com", "Jira Admin")
        self.faults = FaultPlan()
        self.webhooks = WebhookDispatcher(self.state)

    # lifecycle -------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL to give the ``jira`` client as ``server``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Start the loop thread, the listener and the webhook worker."""
        super().start()
        self.state.base_url = self.url
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self.webhooks.run(), self._loop)
        return self

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[fault_middleware])
        app[STATE] = self.state
        app[FAULTS] = self.faults
        app[CREDENTIALS] = (
            basic_credentials(self.email, self.api_token) if self.deployment == "Cloud" else f"Bearer {self.pat}"
        )
        for module in (routes_meta, routes_issue, routes_search):
            module.register(app.router)
        return app

    # faults ---------------------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next ``n`` requests with ``status`` and Jira's error envelope, without performing them."""
        self.faults.push(Fault("fail", status=status), n)

    def rate_limit_next(self, n: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``n`` requests with 429, ``Retry-After`` and Cloud's rate-limit headers."""
        self.faults.push(Fault("rate_limit", status=429, seconds=retry_after), n)

    def timeout_next(self, n: int = 1, seconds: float = 2.0) -> None:
        """Perform the next ``n`` requests but answer only after ``seconds`` (longer than the client timeout)."""
        self.faults.push(Fault("timeout", seconds=seconds), n)

    def accept_then_drop_next(self, n: int = 1) -> None:
        """Perform the next ``n`` requests, then drop the connection without answering."""
        self.faults.push(Fault("drop"), n)

    @property
    def latency_ms(self) -> int:
        """Delay added before every request."""
        return self.faults.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: int) -> None:
        self.faults.latency_ms = value

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request served (or refused by a fault), in order."""
        return list(self.faults.requests)

    # site content -----------------------------------------------------------------------------------------

    def _new_user(self, email: str, name: str, account_id: str | None, username: str | None, serial: int) -> User:
        return User(
            email=email,
            display_name=name,
            account_id=account_id or f"712020:{uuid.uuid4()}",
            name=username or email.split("@")[0],
            key=f"JIRAUSER{10000 + serial}",
        )

    def add_user(
        self,
        email: str,
        display_name: str,
        account_id: str | None = None,
        name: str | None = None,
        email_visible: bool = True,
    ) -> User:
        """Add a user; ``email_visible=False`` mimics Cloud profiles that hide the address."""
        with self.state.lock:
            user = self._new_user(email, display_name, account_id, name, len(self.state.users))
            user.email_visible = email_visible
            self.state.users[user.account_id] = user
            return user

    def add_project(self, key: str, name: str, issue_types: Iterable[str] = ("Task", "Bug")) -> None:
        """Add a project (priorities Highest..Lowest are site-wide, as in Jira)."""
        self.state.add_project(key, name, list(issue_types))

    def index_property(self, property_key: str, path: str) -> None:
        """Make ``issue.property[key].path`` searchable, as an app's descriptor would; unindexed never match."""
        self.state.indexed_properties.add((property_key, path))

    @property
    def issues(self) -> dict[str, Issue]:
        """Stored issues by key (live objects; read them, change them through the helpers)."""
        return self.state.issues

    # people acting in Jira ---------------------------------------------------------------------------------

    def _actor(self, by: str | None) -> str:
        if by is None:
            return self.human.account_id
        return next(u.account_id for u in self.state.users.values() if u.email == by)

    def transition(self, key: str, status: str, by: str | None = None) -> None:
        """Move an issue to ``status`` through the workflow, one transition (and webhook) per step."""
        issue = self.state.issues[key]
        for step in self.state.path_to(issue, status):
            self.state.transition(issue, step, self._actor(by))

    def update_fields(self, key: str, by: str | None = None, **fields: Any) -> None:
        """Edit fields as a person would; values use REST v2 JSON (e.g. ``priority={"name": "High"}``)."""
        issue = self.state.issues[key]
        values, comments, errors = validate_edit(self.state, issue, {"fields": fields}, "2")
        if errors:
            raise ValueError(errors)
        self.state.edit_issue(issue, values, comments, self._actor(by))

    def comment(self, key: str, body: str, by: str | None = None) -> None:
        """Add a comment as a person would."""
        self.state.add_comment(self.state.issues[key], body, self._actor(by))

    # webhooks --------------------------------------------------------------------------------------------

    def add_webhook(self, url: str, secret: str | None = None, events: Iterable[str] = DEFAULT_EVENTS) -> Webhook:
        """Register an admin webhook; with ``secret`` deliveries carry ``X-Hub-Signature``."""
        return self.webhooks.add(url, secret, tuple(events))

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery queued so far, in order."""
        return list(self.webhooks.deliveries)

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Block until at least ``count`` deliveries have completed (or failed); returns them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [d for d in self.webhooks.deliveries if d.done.is_set()]
            if len(done) >= count:
                return done
            time.sleep(0.01)
        raise TimeoutError(f"only {len(done)} of {count} webhook deliveries completed")
