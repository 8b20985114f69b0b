"""Every way in (the API, the CLI, the scheduler, Slack) runs its work in the domain's unit of work: a write that
met another writer of the same incident is run again and succeeds; one that keeps meeting them is refused in a way
that says to retry (409 with ``Retry-After`` on the API); and what a unit queues for Slack is delivered at once,
not at the dispatcher's next poll."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from emulators.slack import SlackEmulator
from incidents.apikeys import service as apikeys
from incidents.context import ATTEMPTS, Domain
from incidents.dispatcher import Dispatcher
from incidents.enums import Severity, TimelineKind
from incidents.errors import VigilError
from incidents.models import Incident, TimelineEntry
from incidents.outbox import Topic, enqueue
from incidents.queries import incident_to_show
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.models import Nudge
from incidents.scheduling.tick import tick
from incidents.settings import Settings
from incidents.timesource import ManualTime, SystemTime
from tests.api.conftest import DECLARE, WEB_BASE, client_for
from tests.bot.conftest import TEST_BACKOFF, bot_settings
from tests.helpers import declared_ref
from vigil.assembly import Runtime
from vigil.cli import main
from web.api import build_api_router
from web.app import build_web_app
from web.server import WebServer

NOTE = {"text": "Caller rang back with a second address."}


@dataclass
class Collisions:
    """How many writes were refused as if another writer had changed the incident first."""

    count: int = 0


@contextmanager
def collisions(model: type, times: int) -> Iterator[Collisions]:
    """The next ``times`` units of work that write a ``model`` row fail at commit as a lost race on the incident's
    version counter does, in whichever process thread they run."""
    seen = Collisions()

    def collide(session: Session, _context: Any, _instances: Any) -> None:
        if seen.count < times and any(isinstance(row, model) for row in session.new):
            seen.count += 1
            raise StaleDataError("another writer changed the incident")

    event.listen(Session, "before_flush", collide)
    try:
        yield seen
    finally:
        event.remove(Session, "before_flush", collide)


def _token(domain: Domain) -> str:
    with domain.unit() as ctx:
        _key, token = apikeys.create_key(
            ctx, actor="cli:ops", name="hotline", scopes=[apikeys.READ, apikeys.WRITE], all_tiers=True
        )
    return token


@contextmanager
def _api(domain: Domain) -> Iterator[httpx.Client]:
    """The intake API over ``domain`` on loopback, with a client holding a key."""
    app = build_web_app(domain, [build_api_router(domain, Settings(web_base_url=WEB_BASE))])
    with WebServer(app) as server, client_for(server, _token(domain)) as http:
        yield http


@pytest.fixture
def client(domain: Domain) -> Iterator[httpx.Client]:
    with _api(domain) as http:
        yield http


def _notes(domain: Domain, ref: str) -> list[str]:
    with domain.unit() as ctx:
        return [e.text for e in incident_to_show(ctx, ref).timeline if e.kind is TimelineKind.NOTE]


def test_an_api_write_that_met_another_writer_is_run_again(client: httpx.Client, domain: Domain) -> None:
    ref = declared_ref(domain)
    with collisions(TimelineEntry, times=1) as met:
        answer = client.post(f"/api/v1/incidents/{ref}/timeline", json=NOTE)
    assert answer.status_code == 201, answer.text
    assert met.count == 1
    assert _notes(domain, ref) == [NOTE["text"]]


def test_an_api_write_that_keeps_meeting_other_writers_answers_409_with_retry_after(
    client: httpx.Client, domain: Domain
) -> None:
    ref = declared_ref(domain)
    with collisions(TimelineEntry, times=1_000) as met:
        answer = client.post(f"/api/v1/incidents/{ref}/timeline", json=NOTE, headers={"Idempotency-Key": "n-1"})
    assert met.count == ATTEMPTS
    assert answer.status_code == 409
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.json() == {
        "errors": [{"field": None, "message": "Someone changed this incident at the same moment; please try again."}]
    }
    assert _notes(domain, ref) == []

    again = client.post(f"/api/v1/incidents/{ref}/timeline", json=NOTE, headers={"Idempotency-Key": "n-1"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert _notes(domain, ref) == [NOTE["text"]]


def test_a_cli_command_that_met_another_writer_is_run_again(
    domain: Domain, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = declared_ref(domain)
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    with collisions(TimelineEntry, times=1) as met:
        code = main(["--as", "U_ALICE", "note", ref.lower(), "Mass reporting from new accounts"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.startswith(f"Note added to {ref}")
    assert met.count == 1
    assert _notes(domain, ref) == ["Mass reporting from new accounts"]


def test_a_scheduler_tick_that_met_another_writer_is_run_again(domain: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1)
    time_source.advance(timedelta(minutes=61))
    with collisions(Nudge, times=1) as met:
        nudged = tick(domain, SchedulingSettings())
    assert met.count == 1
    assert [(n.kind, n.recipients) for n in nudged] == [("update_due", ["U_ALICE"])]
    with domain.unit() as ctx:
        incident_id = incident_to_show(ctx, ref).id
        assert list(ctx.session.scalars(select(Nudge.subject))) == [f"incident:{incident_id}"]


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def test_an_api_declare_reaches_slack_without_waiting_for_the_dispatchers_poll(
    slack: SlackEmulator, domain: Domain, db_url: str
) -> None:
    """The dispatcher polls every 30 s here; the declare's commit wakes it."""
    live = Domain(domain.engine, domain.factory, domain.policy, SystemTime())
    alice = slack.add_user("alice")
    announce = slack.add_channel("incidents", members=[alice])
    runtime = Runtime(bot_settings(slack, db_url, announce), live, backoff=TEST_BACKOFF)
    runtime.start_dispatcher(poll=30)
    try:
        with _api(live) as http:
            time.sleep(0.2)  # the dispatcher's first look has found nothing: it now sleeps for its poll
            started = time.monotonic()
            answer = http.post("/api/v1/incidents", json=DECLARE)
            assert answer.status_code == 201, answer.text
            channel = slack.wait_for(lambda: _channel_of(live, answer.json()["ref"]), timeout=5)
            took = time.monotonic() - started
    finally:
        runtime.stop()
    assert channel in slack.channels
    assert took < 1.0, f"the channel was created {took:.2f} s after the declare"


def _channel_of(domain: Domain, ref: str) -> str | None:
    with domain.unit() as ctx:
        return ctx.session.scalar(select(Incident.slack_channel_id).where(Incident.ref == ref))


def test_a_unit_that_queued_a_delivery_wakes_the_dispatcher_once_it_has_committed(domain: Domain) -> None:
    """Whatever queues a row (a service, here the outbox itself), the commit of its unit wakes the dispatcher,
    which finds the row; a unit that queued nothing, or was rolled back, leaves it asleep until its poll."""
    live = Domain(domain.engine, domain.factory, domain.policy, SystemTime())
    delivered: list[str | None] = []
    dispatcher = Dispatcher(
        live.factory, {Topic.INCIDENT_CHANGED: lambda m: delivered.append(m.dedup_key)}, live.time_source
    )
    woken = 0

    def poke() -> None:
        nonlocal woken
        woken += 1
        dispatcher.poke()

    live.poke = poke
    runner = threading.Thread(target=dispatcher.run_forever, kwargs={"poll": 30.0})
    runner.start()
    try:
        time.sleep(0.2)  # the dispatcher's first look has found nothing: it now sleeps for its poll
        with live.unit():
            pass
        with pytest.raises(VigilError), live.unit() as ctx:
            enqueue(ctx.session, Topic.INCIDENT_CHANGED, now=ctx.now(), once_for="rolled back")
            raise VigilError("refused after queueing")
        assert woken == 0
        started = time.monotonic()
        with live.unit() as ctx:
            enqueue(ctx.session, Topic.INCIDENT_CHANGED, now=ctx.now(), once_for="committed")
        while not delivered and time.monotonic() - started < 3:
            time.sleep(0.02)
        took = time.monotonic() - started
    finally:
        dispatcher.stop()
        runner.join(10)
    assert (delivered, woken) == ([f"{Topic.INCIDENT_CHANGED}:committed"], 1)
    assert took < 1.0, f"the row was delivered {took:.2f} s after its unit committed"
