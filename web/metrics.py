"""Prometheus at ``/metrics``: the adapter behind :class:`incidents.observability.Observer`, and the request ids
and API status counts of every HTTP request.

Counters and histograms are process-wide (one process, one set of series, as Prometheus expects); the outbox's
depth and age are read from the database when scraped, so every replica reports the shared queue as it is, and
nothing is kept current between scrapes.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incidents.context import Domain
from incidents.observability import install, outbox_backlog, scope
from web.api.bodies import PREFIX as API_PREFIX

log = logging.getLogger(__name__)

ACK_SECONDS = Histogram(
    "vigil_ack_seconds",
    "Time from a Slack request's arrival to its ack leaving, by kind of request (Slack gives up after 3 s)",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
    registry=None,
)
DELIVERIES = Counter(
    "vigil_outbox_deliveries",
    "Outbox deliveries tried, by topic and result (done, retry, failed = given up)",
    ["topic", "result"],
    registry=None,
)
SLACK_ERRORS = Counter(
    "vigil_slack_errors", "Slack Web API calls that failed, by method and error code", ["method", "code"], registry=None
)
JIRA_ERRORS = Counter(
    "vigil_jira_errors", "Jira calls that failed, by operation and HTTP status", ["method", "code"], registry=None
)
SCHEDULER_LEADER = Gauge("vigil_scheduler_leader", "1 while this process runs the scheduler", registry=None)
API_REQUESTS = Counter("vigil_api_requests", "Intake API requests answered, by HTTP status", ["status"], registry=None)
SIGNALS = Counter(
    "vigil_signals",
    "Signals received or repeated, and groups opened, declared, attached or dismissed",
    ["event"],
    registry=None,
)
PAGES = Counter("vigil_pages", "Pages sent, acknowledged, escalated or resolved", ["event"], registry=None)
WAITED = Histogram(
    "vigil_waited_seconds",
    "From the first signal to the declare and to the page, and from a page to its acknowledgement",
    ["span"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600),
    registry=None,
)
PROCESS_WIDE = (
    ACK_SECONDS,
    DELIVERIES,
    SLACK_ERRORS,
    JIRA_ERRORS,
    SCHEDULER_LEADER,
    API_REQUESTS,
    SIGNALS,
    PAGES,
    WAITED,
)


class PrometheusObserver:
    """:class:`~incidents.observability.Observer` writing to the series above."""

    def acked(self, kind: str, seconds: float) -> None:
        ACK_SECONDS.labels(kind).observe(seconds)

    def delivered(self, topic: str, result: str) -> None:
        DELIVERIES.labels(topic, result).inc()

    def call_failed(self, system: str, method: str, code: str) -> None:
        (SLACK_ERRORS if system == "slack" else JIRA_ERRORS).labels(method, code).inc()

    def leading(self, leads: bool) -> None:
        SCHEDULER_LEADER.set(1 if leads else 0)

    def signals(self, event: str, count: int = 1) -> None:
        SIGNALS.labels(event).inc(count)

    def pages(self, event: str) -> None:
        PAGES.labels(event).inc()

    def waited(self, span: str, seconds: float) -> None:
        WAITED.labels(span).observe(seconds)


class OutboxBacklog(Collector):
    """The outbox's pending rows and the age of the oldest, asked of the database at each scrape."""

    def __init__(self, domain: Domain) -> None:
        self._domain = domain

    def collect(self) -> Iterator[Metric]:
        try:
            with self._domain.factory() as session:
                backlog = outbox_backlog(session, self._domain.time_source.now())
        except Exception as exc:  # the scrape still reports the rest; /readyz tells why the database is out
            log.warning("could not read the outbox backlog for /metrics: %s", type(exc).__name__)
            return
        yield GaugeMetricFamily("vigil_outbox_pending", "Outbox rows waiting for delivery", value=backlog.pending)
        yield GaugeMetricFamily(
            "vigil_outbox_oldest_pending_seconds",
            "Age of the oldest outbox row waiting for delivery (0 when none)",
            value=backlog.oldest_age_s,
        )


def metrics_router(domain: Domain) -> APIRouter:
    """``GET /metrics``; from now on this process records what its observer is told."""
    install(PrometheusObserver())
    registry = CollectorRegistry()
    for series in PROCESS_WIDE:
        registry.register(series)
    registry.register(OutboxBacklog(domain))
    ProcessCollector(registry=registry)
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestTelemetry:
    """ASGI middleware: each request gets an id (the load balancer's ``X-Request-Id`` when it sent a plausible one)
    on its log lines and in its answer's headers, and intake API answers are counted by status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope_: Scope, receive: Receive, send: Send) -> None:
        if scope_["type"] != "http":
            await self.app(scope_, receive, send)
            return
        given = dict(scope_["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        status = 500  # what the client sees when the app fails before answering

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        with scope(request=request_id):
            try:
                await self.app(scope_, receive, answer)
            finally:
                if scope_["path"].startswith(API_PREFIX):
                    API_REQUESTS.labels(str(status)).inc()
