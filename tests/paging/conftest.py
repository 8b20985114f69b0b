"""Fixtures: a domain that can page (the shipped policy plus a ``leads`` service to escalate to), and helpers to
read what the database holds about pages.

Tests that talk to PagerDuty use the emulator (:mod:`emulators.pagerduty`) over loopback HTTP with the official
client, and the outbox dispatcher driven by hand-moved time, as the tracker's tests do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from emulators.pagerduty import PagerDutyEmulator, Service, User
from emulators.pagerduty.testing import running
from incidents.context import Domain
from incidents.dispatcher import Backoff, Dispatcher
from incidents.models import Incident, TimelineEntry
from incidents.outbox import PENDING, OutboxMessage, Topic
from incidents.paging.config import configured_services
from incidents.paging.delivery import Pager
from incidents.paging.models import Page
from incidents.paging.wiring import build_pager, paging_handlers
from incidents.policy.paging import PagingPolicy, PagingRoute, PagingService
from incidents.settings import Settings
from incidents.timesource import ManualTime


def escalating_policy(domain: Domain) -> PagingPolicy:
    """The shipped routes, with SEV0/SEV1 escalating to ``leads`` when nobody acknowledges."""
    shipped = domain.policy.paging
    return shipped.model_copy(
        update={
            "services": {**shipped.services, "leads": PagingService(label="T&S leads")},
            "routes": [PagingRoute(severities=shipped.routes[0].severities, page=["default"], escalate=["leads"])],
        }
    )


@pytest.fixture
def paging(domain: Domain) -> Domain:
    """The test's domain, able to page ``default`` and ``leads``."""
    domain.policy = domain.policy.model_copy(update={"paging": escalating_policy(domain)})
    domain.paging = frozenset({"default", "leads"})
    return domain


@dataclass(frozen=True)
class PageRow:
    service: str
    state: str
    level: int
    dedup_key: str


def pages(domain: Domain) -> list[PageRow]:
    with domain.unit() as ctx:
        return [
            PageRow(p.service, p.state.value, p.level, p.dedup_key)
            for p in ctx.session.scalars(select(Page).order_by(Page.id))
        ]


def page_entries(domain: Domain, ref: str) -> list[str]:
    """The incident's paging timeline entries, in order."""
    with domain.unit() as ctx:
        query = (
            select(TimelineEntry.text)
            .join(TimelineEntry.incident)
            .where(Incident.ref == ref, TimelineEntry.kind == "page")
            .order_by(TimelineEntry.seq)
        )
        return [t for t in ctx.session.scalars(query) if t]


def queued(domain: Domain, topic: str) -> list[OutboxMessage]:
    with domain.unit() as ctx:
        rows = list(ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)))
        for row in rows:
            ctx.session.expunge(row)
        return rows


SECRET = "pd-webhook-secret-123"


@dataclass
class Account:
    """The emulated PagerDuty account Vigil pages: ``default`` and ``leads`` services, Sam on call for default."""

    emu: PagerDutyEmulator
    default: Service
    leads: Service
    sam: User


@dataclass
class Channel:
    """What the Slack side would be asked to post: the text of each announced timeline entry, in order."""

    domain: Domain
    posts: list[str] = field(default_factory=list)

    def post(self, message: OutboxMessage) -> None:
        with self.domain.unit() as ctx:
            entry = ctx.session.get(TimelineEntry, message.payload["entry_id"])
            assert entry is not None
            self.posts.append(entry.text)


@pytest.fixture
def account() -> Iterator[Account]:
    with running() as emu:
        sam = emu.add_user("Sam Lee", "sam.lee@example.org")
        policy = emu.add_escalation_policy("Trust & Safety")
        emu.set_on_call(policy, [sam])
        default = emu.add_service("Trust & Safety on-call", escalation_policy=policy)
        leads = emu.add_service("T&S leads")
        yield Account(emu, default, leads, sam)


def pagerduty_settings(account: Account, **extra: object) -> Settings:
    values: dict[str, object] = {
        "pagerduty_events_url": f"{account.emu.url}/v2/enqueue",
        "pagerduty_routing_key": account.default.integration_key,
        "pagerduty_routing_keys": {"leads": account.leads.integration_key},
        "pagerduty_api_url": account.emu.url,
        "pagerduty_api_token": account.emu.api_token,
        "pagerduty_webhook_secret": SECRET,
        "web_base_url": "https://vigil.example.org",
    }
    return Settings(**(values | extra))  # type: ignore[arg-type]


@pytest.fixture
def settings(account: Account) -> Settings:
    return pagerduty_settings(account)


@pytest.fixture
def pager(paging: Domain, settings: Settings, account: Account) -> Iterator[Pager]:
    """PagerDuty's handlers over the emulator; the ``default`` service knows its PagerDuty id (on-call look-ups)."""
    services = dict(paging.policy.paging.services)
    services["default"] = services["default"].model_copy(update={"pagerduty_service_id": account.default.id})
    policy = paging.policy.paging.model_copy(update={"services": services})
    paging.policy = paging.policy.model_copy(update={"paging": policy})
    assert configured_services(settings, policy) == paging.paging
    built = build_pager(paging, settings, verify=account.emu.ssl_context())
    assert built is not None
    yield built
    built.close()


@pytest.fixture
def channel(paging: Domain) -> Channel:
    return Channel(paging)


def make_dispatcher(domain: Domain, pager: Pager | None, channel: Channel, time_source: ManualTime) -> Dispatcher:
    handlers = {
        **paging_handlers(domain, pager),
        Topic.TIMELINE_ADDED: channel.post,
        Topic.INCIDENT_CHANGED: lambda _m: None,
        Topic.INCIDENT_DECLARED: lambda _m: None,
    }
    return Dispatcher(domain.factory, handlers, time_source, backoff=Backoff(base=20.0, cap=60.0, jitter=0.0))


@pytest.fixture
def dispatcher(paging: Domain, pager: Pager, channel: Channel, time_source: ManualTime) -> Dispatcher:
    return make_dispatcher(paging, pager, channel, time_source)


def settle(
    dispatcher: Dispatcher, time_source: ManualTime, rounds: int = 12, step: timedelta = timedelta(minutes=1)
) -> None:
    """Deliver everything due, moving the clock over backoff waits, until no page delivery is pending (an
    acknowledgement deadline in the future is not waited for)."""
    for _ in range(rounds):
        dispatcher.drain()
        if not pending_deliveries(dispatcher):
            return
        time_source.advance(step)
    raise AssertionError("outbox did not settle")


def pending_deliveries(dispatcher: Dispatcher) -> int:
    topics = [Topic.PAGE_TRIGGER, Topic.PAGE_RESOLVE, Topic.PAGE_ON_CALL, Topic.TIMELINE_ADDED]
    with dispatcher.factory() as session:
        return (
            session.query(OutboxMessage).filter(OutboxMessage.topic.in_(topics), OutboxMessage.state == PENDING).count()
        )


def events_sent(account: Account) -> list[int | None]:
    """The status of each Events API request the emulator saw (None: its answer was lost on purpose)."""
    return [r.status for r in account.emu.requests if r.path == "/v2/enqueue"]


def jsm_policy(domain: Domain) -> PagingPolicy:
    """The escalating policy with ``default`` on JSM (``leads`` stays on PagerDuty)."""
    policy = escalating_policy(domain)
    default = policy.services["default"].model_copy(update={"provider": "jsm"})
    return policy.model_copy(update={"services": {**policy.services, "default": default}})


def jsm_settings(account: Account, **extra: object) -> Settings:
    values: dict[str, object] = {
        "jsm_api_url": account.emu.url,
        "jsm_api_key": account.emu.jsm_api_key,
        "pagerduty_events_url": f"{account.emu.url}/v2/enqueue",
        "pagerduty_routing_keys": {"leads": account.leads.integration_key},
        "web_base_url": "https://vigil.example.org",
    }
    return Settings(**(values | extra))  # type: ignore[arg-type]


@dataclass
class Jsm:
    domain: Domain
    dispatcher: Dispatcher
    pager: Pager | None


def wire(domain: Domain, settings: Settings, account: Account, channel: Channel, time_source: ManualTime) -> Jsm:
    """The domain with :func:`jsm_policy`, paging what ``settings`` configure, and its dispatcher."""
    domain.policy = domain.policy.model_copy(update={"paging": jsm_policy(domain)})
    domain.paging = configured_services(settings, domain.policy.paging)
    pager = build_pager(domain, settings, verify=account.emu.ssl_context())
    return Jsm(domain, make_dispatcher(domain, pager, channel, time_source), pager)


@pytest.fixture
def jsm(paging: Domain, account: Account, channel: Channel, time_source: ManualTime) -> Iterator[Jsm]:
    """``default`` paged through JSM, ``leads`` through PagerDuty, both over the emulator."""
    wired = wire(paging, jsm_settings(account), account, channel, time_source)
    assert wired.domain.paging == frozenset({"default", "leads"})
    yield wired
    if wired.pager is not None:
        wired.pager.close()
