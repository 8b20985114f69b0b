"""Fixtures: a Jira emulator, Vigil settings pointing at it, the sync and a dispatcher driven by hand-moved time.

Other outbox topics are recorded as the Slack bot would receive them, so tests can assert what the channel and
the commander would be told.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from emulators.jira import JiraEmulator
from emulators.jira.testing import running
from incidents import actions
from incidents.context import Domain
from incidents.dispatcher import Backoff, Dispatcher
from incidents.enums import ActionPriority
from incidents.models import Person, TimelineEntry
from incidents.outbox import PENDING, OutboxMessage, Topic
from incidents.settings import Settings
from incidents.timesource import ManualTime
from incidents.tracker import TrackerSync, build_sync
from incidents.tracker.port import TicketFields, TicketState
from tests.helpers import declare
from web.app import build_web_app
from web.jira_webhook import jira_webhook_router
from web.server import WebServer

SECRET = "hook-secret-123"


@dataclass
class Bot:
    """Records what the Slack side would be asked to do: timeline posts (text) and sync-failure notices."""

    domain: Domain
    posts: list[str] = field(default_factory=list)
    sync_failures: list[int] = field(default_factory=list)

    def post(self, message: OutboxMessage) -> None:
        with self.domain.unit() as ctx:
            self.posts.append(ctx.session.get(TimelineEntry, message.payload["entry_id"]).text)  # type: ignore[union-attr]

    def failed(self, message: OutboxMessage) -> None:
        self.sync_failures.append(message.payload["action_id"])


@pytest.fixture
def emu() -> Iterator[JiraEmulator]:
    with running("Cloud") as emulator:
        yield emulator


def settings_for(emu: JiraEmulator, **extra: object) -> Settings:
    auth = {"jira_email": emu.email, "jira_api_token": emu.api_token} if emu.deployment == "Cloud" else {}
    values: dict[str, object] = {
        "jira_url": emu.url,
        "jira_token": None if emu.deployment == "Cloud" else emu.pat,
        "jira_project": "SAFE",
        "jira_webhook_secret": SECRET,
        "jira_timeout": 0.5,
        "web_base_url": "https://vigil.example.org",
    }
    return Settings(**(values | auth | extra))  # type: ignore[arg-type]


@pytest.fixture
def settings(emu: JiraEmulator) -> Settings:
    return settings_for(emu)


@pytest.fixture
def sync(domain: Domain, settings: Settings) -> TrackerSync:
    built = build_sync(domain, settings)
    assert built is not None
    return built


@pytest.fixture
def bot(domain: Domain) -> Bot:
    return Bot(domain)


def make_dispatcher(
    domain: Domain, sync: TrackerSync, bot: Bot, time_source: ManualTime, **options: object
) -> Dispatcher:
    handlers = {
        **sync.handlers(),
        Topic.TIMELINE_ADDED: bot.post,
        Topic.ACTION_SYNC_FAILED: bot.failed,
        Topic.INCIDENT_CHANGED: lambda _m: None,
        Topic.INCIDENT_DECLARED: lambda _m: None,
    }
    return Dispatcher(
        domain.factory,
        handlers,
        time_source,
        backoff=Backoff(base=2.0, cap=60.0),
        on_give_up=sync.on_give_up,
        **options,
    )  # type: ignore[arg-type]


@pytest.fixture
def dispatcher(domain: Domain, sync: TrackerSync, bot: Bot, time_source: ManualTime) -> Dispatcher:
    return make_dispatcher(domain, sync, bot, time_source)


def settle(dispatcher: Dispatcher, time_source: ManualTime, rounds: int = 10) -> None:
    """Deliver everything, jumping the clock over backoff waits, until no action.changed or referral.changed row
    is pending."""
    for _ in range(rounds):
        dispatcher.drain()
        if not pending_syncs(dispatcher):
            return
        time_source.advance(timedelta(minutes=2))
    raise AssertionError("outbox did not settle")


def pending_syncs(dispatcher: Dispatcher) -> int:
    with dispatcher.factory() as session:
        rows = (
            session.query(OutboxMessage)
            .filter(OutboxMessage.topic.in_([Topic.ACTION_CHANGED, Topic.REFERRAL_CHANGED]))
            .filter_by(state=PENDING)
            .count()
        )
    return rows


def add_action(domain: Domain, ref: str, title: str = "Rotate the moderation API keys", **extra: object) -> int:
    with domain.unit() as ctx:
        action = actions.add_action(ctx, ref, actor="U_ALICE", title=title, tracked=True, **extra)  # type: ignore[arg-type]
        return action.id


def person(domain: Domain, key: str, email: str, name: str) -> None:
    with domain.unit() as ctx:
        ctx.session.add(Person(key=key, email=email, display_name=name))


@pytest.fixture
def hooked(domain: Domain, emu: JiraEmulator) -> Iterator[WebServer]:
    """Vigil's web app with the Jira webhook, registered with the emulator."""
    with WebServer(build_web_app(domain, [jira_webhook_router(domain, SECRET)])) as server:
        emu.add_webhook(f"{server.url}/jira/webhook", SECRET)
        yield server


class ArmBeforeCreate:
    """Delegates to the real tracker but arms an emulator fault right before the create request goes out."""

    def __init__(self, inner: object, arm: object) -> None:
        self.inner, self.arm = inner, arm

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def create(self, project: str, issue_type: str, fields: TicketFields) -> TicketState:
        self.arm()  # type: ignore[operator]
        return self.inner.create(project, issue_type, fields)  # type: ignore[attr-defined]


@pytest.fixture
def incident_ref(domain: Domain) -> str:
    with domain.unit() as ctx:
        incident = declare(ctx, summary="Host named in a credible threat; police informed.")
        incident.slack_channel_id = "C0INCIDENT"
        return incident.ref


DUE = date(2026, 12, 15)
HIGH = ActionPriority.HIGH
