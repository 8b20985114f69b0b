"""The PagerDuty emulator: an aiohttp server on its own thread and loop, plus the test-facing API.

It binds 127.0.0.1 on a port chosen once; ``go_down`` closes the listener and every open connection (clients get
"connection refused") and ``come_up`` listens on the same port again, so clients built with ``emu.url`` keep
working (see :mod:`emulators.loopback`). It serves HTTPS by default because the official ``pagerduty`` client
accepts no other base URL; pass ``verify=emu.ssl_context()`` to clients (see :mod:`emulators.pagerduty.testing`).
"""

from __future__ import annotations

import secrets
import ssl
import time
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Self

from aiohttp import web

from emulators.loopback import LoopbackServer
from emulators.pagerduty import jsm, routes_events, routes_incidents, routes_rest, tls
from emulators.pagerduty.faults import FAULTS, Fault, FaultPlan, RequestRecord, fault_middleware
from emulators.pagerduty.jsm_state import Alert, JsmIntegration, JsmState
from emulators.pagerduty.jsm_webhooks import JsmWebhooks
from emulators.pagerduty.keys import API_TOKENS, JSM, LIMITER, STATE
from emulators.pagerduty.model import EscalationPolicy, Incident, OnCall, Schedule, Service, User, new_id, now
from emulators.pagerduty.ratelimit import SlidingWindowLimiter
from emulators.pagerduty.state import PagerDutyState
from emulators.pagerduty.webhooks import (
    DEFAULT_RETRY_DELAYS,
    Delivery,
    Subscription,
    Webhook,
    WebhookDeliverer,
    WebhookDispatcher,
)


class PagerDutyEmulator(LoopbackServer):
    """A local PagerDuty account (Events API v2, REST API v2, v3 webhooks) plus JSM alerts, for tests.

    ``events_per_minute`` is the Events API limit per routing key (PagerDuty's is about 120); ``webhook_retry_delays``
    are the pauses between webhook attempts (one more attempt than pauses).
    """

    thread_name = "pagerduty-emulator"

    def __init__(
        self,
        tls: bool = True,
        events_per_minute: int = 120,
        webhook_retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
    ) -> None:
        super().__init__()
        self.tls = tls
        self.state = PagerDutyState()
        self.api_token = secrets.token_urlsafe(15)
        self.limiter = SlidingWindowLimiter(events_per_minute, 60.0)
        self.webhooks = WebhookDispatcher(self.state, webhook_retry_delays)
        self.jsm = JsmState()
        self.jsm_integration = self.jsm.add_integration("Vigil")
        self.jsm_webhooks = JsmWebhooks(self.jsm, webhook_retry_delays)
        self.faults = FaultPlan()

    # lifecycle -------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL for both the Events API and the REST API clients (``base_url=``), and for JSM."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @staticmethod
    def ssl_context() -> ssl.SSLContext:
        """A client TLS context trusting the emulator's certificate: pass as ``verify=`` to httpx or pagerduty."""
        return tls.client_context()

    def start(self) -> Self:
        """Start the loop thread, the listener and webhook delivery."""
        super().start()
        self.state.base_url = self.url
        assert self._loop is not None
        self.webhooks.attach(self._loop)
        self.jsm_webhooks.attach(self._loop)
        return self

    def _stopping(self) -> None:
        self.webhooks.detach()
        self.jsm_webhooks.detach()

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[fault_middleware])
        app[STATE], app[LIMITER], app[FAULTS], app[JSM] = self.state, self.limiter, self.faults, self.jsm
        app[API_TOKENS] = {self.api_token}
        for module in (routes_events, routes_rest, routes_incidents, jsm):
            module.register(app.router)
        return app

    def _server_ssl(self) -> ssl.SSLContext | None:
        return tls.server_context() if self.tls else None

    # faults and limits ------------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500, route: str | None = None) -> None:
        """Answer the next ``n`` requests (to paths starting with ``route``) with ``status``, unprocessed."""
        self.faults.push(Fault("fail", route, status=status), n)

    def lose_answer_next(self, n: int = 1, route: str | None = None) -> None:
        """Process the next ``n`` requests, then close the connection without answering ("lost answer")."""
        self.faults.push(Fault("lose", route), n)

    def fail_randomly(self, rate: float, lost_rate: float = 0.0, seed: int = 0, route: str | None = None) -> None:
        """Chaos: each later request (to paths starting with ``route``) that no queued fault is meant for answers
        500 unprocessed with probability ``rate``, or is processed and loses its answer with probability
        ``lost_rate`` (seeded); ``fail_randomly(0)`` stops it."""
        self.faults.fail_randomly(rate, lost_rate, seed, route)

    def delay_next(self, n: int = 1, seconds: float = 1.0, route: str | None = None) -> None:
        """Process the next ``n`` requests but answer only after ``seconds`` (to outlast a client timeout)."""
        self.faults.push(Fault("delay", route, seconds=seconds), n)

    def rate_limit(self, events: int, window: float = 60.0) -> None:
        """Allow ``events`` Events API calls per routing key per ``window`` seconds, starting from a clean count."""
        self.limiter.limit, self.limiter.window = events, window
        self.limiter.reset()

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request served or refused, in order (method, path, status: never bodies or keys)."""
        return list(self.faults.requests)

    # the account ------------------------------------------------------------------------------------------

    def add_user(self, name: str, email: str) -> User:
        """Add a user."""
        user = User(new_id(), name, email)
        with self.state.lock:
            self.state.users[user.id] = user
        return user

    def add_schedule(self, name: str) -> Schedule:
        """Add an on-call schedule (who is on it is set with :meth:`set_on_call`)."""
        schedule = Schedule(new_id(), name)
        with self.state.lock:
            self.state.schedules[schedule.id] = schedule
        return schedule

    def add_escalation_policy(self, name: str) -> EscalationPolicy:
        """Add an escalation policy with nobody on call yet."""
        policy = EscalationPolicy(new_id(), name)
        with self.state.lock:
            self.state.policies[policy.id] = policy
        return policy

    def set_on_call(
        self, policy: EscalationPolicy, users: Iterable[User], level: int = 1, schedule: Schedule | None = None
    ) -> None:
        """Make ``users`` the people on call at ``level`` of ``policy`` (through ``schedule``, if given: then the
        on-call entries carry the schedule and a start and end, as schedule shifts do)."""
        start, end = (now() - timedelta(hours=1), now() + timedelta(days=7)) if schedule else (None, None)
        with self.state.lock:
            policy.on_call = [e for e in policy.on_call if e.level != level]
            policy.on_call += [OnCall(user, level, schedule, start, end) for user in users]

    def add_service(self, name: str, escalation_policy: EscalationPolicy | None = None) -> Service:
        """Add a service with an Events API v2 integration (``service.integration_key`` is its routing key)."""
        policy = escalation_policy or self.add_escalation_policy(f"{name} policy")
        service = Service(new_id(), name, policy, secrets.token_hex(16), new_id())
        with self.state.lock:
            self.state.services[service.id] = service
        return service

    # incidents and people acting on them ------------------------------------------------------------------

    @property
    def incidents(self) -> list[Incident]:
        """Every incident, oldest first (live objects: read them, change them through the helpers)."""
        with self.state.lock:
            return list(self.state.incidents)

    def incident(self, dedup_key: str) -> Incident:
        """The newest incident with this dedup key (on any service)."""
        with self.state.lock:
            return next(i for i in reversed(self.state.incidents) if i.dedup_key == dedup_key)

    def _incident(self, target: Incident | str) -> Incident:
        return target if isinstance(target, Incident) else self.incident(target)

    def acknowledge(self, target: Incident | str, by: User) -> None:
        """``by`` presses Acknowledge in PagerDuty's app: the incident is acknowledged and webhooks go out."""
        self.state.acknowledge(self._incident(target), by)

    def resolve(self, target: Incident | str, by: User | None = None) -> None:
        """``by`` (or PagerDuty itself) resolves the incident."""
        self.state.resolve(self._incident(target), by)

    def escalate(self, target: Incident | str, by: User | None = None) -> None:
        """Escalate to the next level of the service's policy (by a person, or by timeout when ``by`` is None)."""
        self.state.escalate(self._incident(target), by)

    # webhooks --------------------------------------------------------------------------------------------

    def subscribe(
        self,
        url: str,
        secret: str | None = None,
        events: Iterable[str] | None = None,
        service: Service | None = None,
    ) -> Subscription:
        """Add a v3 webhook subscription (all incident events of all services unless narrowed)."""
        return self.webhooks.subscribe(url, secret, events, service)

    @staticmethod
    def rotate_secret(subscription: Subscription, secret: str | None = None, keep_old: bool = True) -> str:
        """Give the subscription a new signing secret; with ``keep_old`` both sign (``v1=new,v1=old``)."""
        new = secret or secrets.token_urlsafe(48)
        subscription.secrets = [new, *subscription.secrets] if keep_old else [new]
        return new

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery attempt so far, in order."""
        return list(self.webhooks.deliveries)

    @property
    def sent_webhooks(self) -> list[Webhook]:
        """Every webhook (one event for one subscription, across attempts), in order of the changes."""
        return list(self.webhooks.webhooks)

    def wait_for_webhooks(self, count: int, timeout: float = 5.0) -> list[Webhook]:
        """Block until at least ``count`` webhooks are done (delivered, dropped or given up); returns those."""
        return _done(self.webhooks, count, timeout)

    # Jira Service Management -----------------------------------------------------------------------------

    @property
    def jsm_api_key(self) -> str:
        """The default JSM integration's key, for ``Authorization: GenieKey <key>``."""
        return self.jsm_integration.api_key

    def add_jsm_integration(self, name: str, enabled: bool = True) -> JsmIntegration:
        """Another JSM API integration (a disabled one is answered 403)."""
        return self.jsm.add_integration(name, enabled)

    @property
    def jsm_alerts(self) -> list[Alert]:
        """Every JSM alert, oldest first."""
        with self.jsm.lock:
            return list(self.jsm.alerts)

    def jsm_alert(self, alias: str) -> Alert:
        """The newest alert with this alias."""
        with self.jsm.lock:
            return next(a for a in reversed(self.jsm.alerts) if a.alias == alias)

    def jsm_acknowledge(self, alias: str, by: str) -> None:
        """``by`` (a person's e-mail) presses Acknowledge on the alert in JSM's app: webhooks go out."""
        self.jsm.by_person("Acknowledge", self.jsm_alert(alias), by)

    def jsm_close(self, alias: str, by: str) -> None:
        """``by`` closes the alert in JSM's app."""
        self.jsm.by_person("Close", self.jsm_alert(alias), by)

    def jsm_subscribe(
        self, url: str, headers: Mapping[str, str], actions: Iterable[str] | None = None, name: str = "Webhook"
    ) -> Subscription:
        """Add a JSM webhook integration posting alert ``actions`` (default: all) to ``url`` with ``headers``."""
        return self.jsm_webhooks.subscribe(url, headers, actions, name)

    def wait_for_jsm_webhooks(self, count: int, timeout: float = 5.0) -> list[Webhook]:
        """Block until at least ``count`` JSM webhooks are done; returns those."""
        return _done(self.jsm_webhooks, count, timeout)


def _done(deliverer: WebhookDeliverer, count: int, timeout: float) -> list[Webhook]:
    deadline = time.monotonic() + timeout
    while True:
        done = [w for w in deliverer.webhooks if w.done.is_set()]
        if len(done) >= count:
            return done
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(done)} of {count} webhooks are done")
        time.sleep(0.01)
