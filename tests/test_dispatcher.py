"""The outbox delivers each side effect, retries with backoff, gives up once, and never doubles across replicas;
topics are checked where they are queued, not where they are delivered."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from incidents.context import Domain
from incidents.dispatcher import Backoff, Dispatcher, RetryLater
from incidents.outbox import DONE, FAILED, PENDING, OutboxMessage, Topic, enqueue
from incidents.timesource import SystemTime

TOPIC = Topic.INCIDENT_CHANGED


def _queue(domain: Domain, n: int, topic: Topic = TOPIC, **kwargs) -> None:
    with domain.unit() as ctx:
        for i in range(n):
            enqueue(ctx.session, topic, now=ctx.now(), payload={"i": i}, **kwargs)


def _states(domain: Domain) -> list[tuple[str, int]]:
    with domain.unit() as ctx:
        return [(m.state, m.attempts) for m in ctx.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_delivers_everything_once(domain: Domain) -> None:
    seen: list[int] = []
    _queue(domain, 5)
    Dispatcher(domain.factory, {TOPIC: lambda m: seen.append(m.payload["i"])}, domain.time_source).drain()
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert _states(domain) == [(DONE, 1)] * 5


def test_rows_store_the_topics_value(domain: Domain) -> None:
    _queue(domain, 1, topic=Topic.INCIDENT_DECLARED)
    with domain.unit() as ctx:
        stored = ctx.session.scalar(select(OutboxMessage.topic))
    assert stored == "incident.declared" and type(stored) is str


def test_once_for_coalesces_pending_messages(domain: Domain) -> None:
    _queue(domain, 3, once_for=1)
    assert len(_states(domain)) == 1


def test_failures_back_off_then_succeed(domain: Domain, time_source) -> None:
    calls = Counter[str]()

    def flaky(message: OutboxMessage) -> None:
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("slack is down")

    _queue(domain, 1)
    dispatcher = Dispatcher(domain.factory, {TOPIC: flaky}, domain.time_source, backoff=Backoff(base=10, jitter=0))
    dispatcher.drain()
    assert _states(domain) == [(PENDING, 1)]
    time_source.advance(timedelta(seconds=9))
    dispatcher.drain()
    assert calls["n"] == 1
    time_source.advance(timedelta(seconds=2))
    dispatcher.drain()
    assert _states(domain) == [(PENDING, 2)]
    time_source.advance(timedelta(seconds=21))
    dispatcher.drain()
    assert _states(domain) == [(DONE, 3)]


def test_retry_after_is_honoured_and_gives_up_once(domain: Domain, time_source) -> None:
    given_up: list[str] = []

    def limited(message: OutboxMessage) -> None:
        raise RetryLater("ratelimited", after=30)

    _queue(domain, 1)

    def gave_up(message: OutboxMessage, error: str) -> None:
        given_up.append(error)

    dispatcher = Dispatcher(
        domain.factory, {TOPIC: limited}, domain.time_source, max_attempts=3, patience=timedelta(0), on_give_up=gave_up
    )
    for _ in range(5):
        dispatcher.drain()
        time_source.advance(timedelta(seconds=30))
    assert _states(domain) == [(FAILED, 3)]
    assert given_up == ["ratelimited"]


@pytest.mark.parametrize("topic", ["incident.declard", "t", ""])
def test_an_unknown_topic_is_refused_where_it_is_queued(domain: Domain, topic: str) -> None:
    with pytest.raises(ValueError, match="Topic"), domain.unit() as ctx:
        enqueue(ctx.session, topic, now=ctx.now())  # type: ignore[arg-type]  # the mistake under test
    assert _states(domain) == []


def test_a_dispatcher_is_keyed_by_topic(domain: Domain) -> None:
    with pytest.raises(ValueError, match="Topic"):
        Dispatcher(domain.factory, {"incident.chnaged": lambda m: None}, domain.time_source)  # type: ignore[dict-item]
    wired = Dispatcher(domain.factory, {TOPIC: lambda m: None}, domain.time_source)
    assert wired.unhandled == frozenset(Topic) - {TOPIC}


def test_a_topic_without_a_handler_is_retried_not_lost(domain: Domain) -> None:
    _queue(domain, 1)
    Dispatcher(domain.factory, {}, domain.time_source).drain()
    assert _states(domain) == [(PENDING, 1)]


def test_a_row_of_a_topic_this_version_does_not_know_waits(domain: Domain) -> None:
    """A newer replica may queue a topic an older one (mid-deploy) does not know: it is left for the newer one."""
    with domain.unit() as ctx:
        now = ctx.now()
        ctx.session.add(OutboxMessage(topic="from.the.future", payload={}, created_at=now, available_at=now))
    Dispatcher(domain.factory, {TOPIC: lambda m: None}, domain.time_source).drain()
    assert _states(domain) == [(PENDING, 1)]


def test_two_dispatchers_never_deliver_the_same_row_twice(domain: Domain, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("one process on SQLite: replicas need PostgreSQL")
    delivered = Counter[int]()
    lock = threading.Lock()

    def handler(message: OutboxMessage) -> None:
        with lock:
            delivered[message.id] += 1

    _queue(domain, 200)
    dispatchers = [Dispatcher(domain.factory, {TOPIC: handler}, domain.time_source, batch=7) for _ in range(2)]
    threads = [threading.Thread(target=d.drain) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(delivered) == 200 and set(delivered.values()) == {1}


def test_a_dead_holders_rows_are_taken_over_within_a_few_seconds(domain: Domain, time_source) -> None:
    """A process claims rows and is killed before delivering them: another takes them over once the short lease
    runs out, and its handlers are told the rows were handed out before (they look before acting again)."""
    _queue(domain, 3)
    redelivered: list[bool] = []
    dead = Dispatcher(domain.factory, {TOPIC: lambda m: None}, domain.time_source)
    assert len(dead._claim(10)) == 3
    alive = Dispatcher(domain.factory, {TOPIC: lambda m: redelivered.append(m.redelivery)}, domain.time_source)
    assert alive.run_once() == 0, "the lease still holds"
    assert dead.lease <= timedelta(seconds=10)
    time_source.advance(dead.lease)
    alive.drain()
    assert redelivered == [True] * 3
    assert _states(domain) == [(DONE, 1)] * 3


def test_a_live_holder_keeps_its_rows_past_the_lease(domain: Domain) -> None:
    """The holder renews the lease while its handler runs, so a short lease never lets a slow delivery run twice."""
    live = Domain(domain.engine, domain.factory, domain.policy, SystemTime())
    _queue(live, 2)
    delivered = Counter[int]()
    lease = timedelta(seconds=0.3)
    started = threading.Event()

    def slow(message: OutboxMessage) -> None:
        delivered[message.id] += 1
        started.set()
        time.sleep(1.0)

    holder = Dispatcher(live.factory, {TOPIC: slow}, live.time_source, lease=lease)
    other = Dispatcher(live.factory, {TOPIC: slow}, live.time_source, lease=lease)
    thread = threading.Thread(target=holder.run_once)
    thread.start()
    assert started.wait(10), "the holder never started delivering"
    while thread.is_alive():
        assert other.run_once() == 0
        time.sleep(0.05)
    thread.join()
    assert set(delivered.values()) == {1} and _states(live) == [(DONE, 1)] * 2


def test_a_row_queued_during_a_slow_delivery_is_delivered_without_waiting_for_it(domain: Domain) -> None:
    """A declare's provisioning must not wait behind a slow delivery (a review upload, a Slack call held by a
    429): the running dispatcher hands a new row to a free worker at once, and a stop lets the slow one finish."""
    live = Domain(domain.engine, domain.factory, domain.policy, SystemTime())
    slow_started, release, finished = threading.Event(), threading.Event(), Counter[str]()

    def handler(message: OutboxMessage) -> None:
        if message.payload["i"] == 0:
            slow_started.set()
            release.wait(10)
        finished[str(message.payload["i"])] += 1

    _queue(live, 1)
    dispatcher = Dispatcher(live.factory, {TOPIC: handler}, live.time_source)
    live.poke = dispatcher.poke
    runner = threading.Thread(target=dispatcher.run_forever, kwargs={"poll": 5.0})
    runner.start()
    try:
        assert slow_started.wait(10), "the slow row was never claimed"
        with live.unit() as ctx:
            enqueue(ctx.session, TOPIC, now=ctx.now(), payload={"i": 1})
        deadline = time.monotonic() + 3
        while not finished["1"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert finished == {"1": 1}, "the new row was delivered while the slow one was still running"
    finally:
        dispatcher.stop()
        release.set()
        runner.join(10)
    assert finished == {"0": 1, "1": 1} and _states(live) == [(DONE, 1)] * 2
