"""The bot under test: the real bolt app on Socket Mode (or HTTP mode) against the Slack emulator, with the
outbox dispatcher running in a thread, on both database backends.

Fixtures: ``emu`` (a fresh emulated workspace with people and an announcements channel) → ``bot`` (settings,
runtime, connected) → helpers to settle the outbox and read incidents back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from bot.http import SLACK_EVENTS_PATH
from bot.ids import Field, ViewId
from emulators.slack import Ack, Channel, SlackEmulator, View
from incidents.context import Domain
from incidents.dispatcher import Backoff
from incidents.models import Incident
from incidents.outbox import PENDING, OutboxMessage
from incidents.queries import incident_to_show
from incidents.settings import Settings
from incidents.timesource import SystemTime
from vigil.assembly import Runtime
from vigil.http_app import create_http_app
from web.server import WebServer

T = TypeVar("T")

TEST_BACKOFF = Backoff(base=0.05, cap=0.5, jitter=0.1)


@dataclass
class People:
    alice: str
    bob: str
    carol: str
    general: str
    announce: str


@dataclass
class BotUnderTest:
    emu: SlackEmulator
    domain: Domain
    settings: Settings
    runtime: Runtime
    people: People

    def command(self, text: str, *, user: str | None = None, channel: str | None = None, **kw: Any) -> Ack:
        return self.emu.slash_command(user or self.people.alice, channel or self.people.general, text, **kw)

    def reply(self, ack: Ack) -> str:
        """What the person was told: on the ack itself, or (commands acked at once) through the response_url."""
        text = (ack.payload or {}).get("text")
        if text:
            return str(text)
        posts = self.wait_for(lambda: self.emu.replies_to(ack))
        return str(posts[0].text or "")

    def resolve(self, channel: str, *, user: str | None = None, note: str = "") -> None:
        """``/incident resolve``, as a commander who means it: when work is still open, "Resolve anyway" in the
        form that lists it."""
        user = user or self.people.alice
        ack = self.command(f"resolve {note}".rstrip(), user=user, channel=channel)

        def answered() -> list[Any]:
            asked = [v for v in self.emu.views.values() if v.view.get("callback_id") == ViewId.RESOLVE and not v.closed]
            return [*self.emu.replies_to(ack), *asked]

        first = self.wait_for(answered)[0]
        if isinstance(first, View):
            self.emu.submit_view(first.id, user, {Field.NOTE: {Field.NOTE: note}})

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until the outbox has nothing left to deliver; a timeout names what is still waiting, and why."""
        try:
            self.wait_for(lambda: self.pending() == 0, timeout=timeout)
        except TimeoutError:
            raise TimeoutError(f"the outbox did not settle within {timeout} s: {'; '.join(self.waiting())}") from None

    def waiting(self) -> list[str]:
        """The pending outbox rows: topic, tries, when the row is free to claim again (a claimed row's lease, or a
        retry's backoff; overdue when no dispatcher takes it) and the last error."""
        with self.domain.unit() as ctx:
            now = ctx.now()
            rows = ctx.session.scalars(
                select(OutboxMessage).where(OutboxMessage.state == PENDING).order_by(OutboxMessage.id)
            )
            return [
                f"{row.topic} #{row.id} (tries {row.attempts}, free in {(row.available_at - now).total_seconds():.1f} s"
                + (f", last error: {row.last_error[:200]})" if row.last_error else ")")
                for row in rows
            ]

    def pending(self) -> int:
        with self.domain.unit() as ctx:
            query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == PENDING)
            return ctx.session.scalar(query) or 0

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        return self.emu.wait_for(predicate, timeout=timeout)

    def incident(self, ref: str) -> Incident:
        with self.domain.unit() as ctx:
            return incident_to_show(ctx, ref)

    def only_incident(self) -> Incident:
        with self.domain.unit() as ctx:
            refs = list(ctx.session.scalars(select(Incident.ref)))
        assert len(refs) == 1, refs
        return self.incident(refs[0])

    def declare(self, text: str = "SEV2 type:fraud_scam Scam wave targeting hosts", **kw: Any) -> tuple[str, Channel]:
        """Quick-declare and wait until the channel is ready; returns (ref, channel)."""
        ack = self.command(f"declare {text}", **kw)
        ref = self.reply(ack).split("*")[1]
        self.settle()
        channel_id = self.incident(ref).slack_channel_id
        assert channel_id is not None
        return ref, self.emu.channels[channel_id]


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def people(emu: SlackEmulator) -> People:
    alice, bob, carol = emu.add_user("alice"), emu.add_user("bob"), emu.add_user("carol")
    general = emu.add_channel("general", members=[alice, bob, carol])
    announce = emu.add_channel("incidents", members=[alice, bob, carol])
    return People(alice, bob, carol, general, announce)


TEST_TOPIC_INTERVAL_S = 0.2
"""Below the setting's least (a second): a test that changes an incident would otherwise wait out the topic's
interval (3 s by default) in :meth:`BotUnderTest.settle`. A test of the interval itself passes its own."""


def bot_settings(emu: SlackEmulator, db_url: str, announce: str, **overrides: Any) -> Settings:
    settings = Settings(
        database_url=db_url,
        slack_bot_token=emu.bot_token,
        slack_app_token=emu.app_token,
        slack_signing_secret=emu.signing_secret,
        slack_api_url=emu.web_api_url,
        announce_channel=announce,
        **overrides,
    )
    if "topic_interval_seconds" in overrides:
        return settings
    return settings.model_copy(update={"topic_interval_seconds": TEST_TOPIC_INTERVAL_S})


def start_runtime(settings: Settings, domain: Domain, *, dispatcher: bool = True, **kw: Any) -> Runtime:
    runtime = Runtime(settings, domain, backoff=TEST_BACKOFF, lease=timedelta(seconds=20), **kw)
    if dispatcher:
        runtime.start_dispatcher(poll=0.05)
    return runtime


@pytest.fixture
def live_domain(domain: Domain) -> Domain:
    """The test database (emptied) with the real clock: Slack's timestamps and the outbox's backoff are real."""
    return Domain(domain.engine, domain.factory, domain.policy, SystemTime())


@pytest.fixture
def bot(emu: SlackEmulator, people: People, live_domain: Domain, db_url: str) -> Iterator[BotUnderTest]:
    with running_bot(emu, people, live_domain, bot_settings(emu, db_url, people.announce)) as bot:
        yield bot


@contextmanager
def running_bot(emu: SlackEmulator, people: People, domain: Domain, settings: Settings) -> Iterator[BotUnderTest]:
    """The bot over Socket Mode with ``settings``, connected to the emulator until the block ends."""
    runtime = start_runtime(settings, domain)
    runtime.socket_mode().connect()
    emu.wait_for(lambda: emu.socket_connections > 0)
    try:
        yield BotUnderTest(emu, domain, settings, runtime, people)
    finally:
        runtime.stop()


@contextmanager
def http_server(runtime: Runtime) -> Iterator[str]:
    """Serve the bot's FastAPI app (HTTP mode) on loopback; yields the Request URL."""
    with WebServer(create_http_app(runtime.app, runtime.domain, runtime.settings)) as server:
        yield f"{server.url}{SLACK_EVENTS_PATH}"


@pytest.fixture
def http_bot(emu: SlackEmulator, people: People, live_domain: Domain, db_url: str) -> Iterator[BotUnderTest]:
    """The bot in HTTP mode: Slack's requests arrive signed at /slack/events."""
    settings = bot_settings(emu, db_url, people.announce)
    runtime = start_runtime(settings, live_domain)
    try:
        with http_server(runtime) as url:
            emu.http_target = url
            yield BotUnderTest(emu, live_domain, settings, runtime, people)
    finally:
        runtime.stop()
