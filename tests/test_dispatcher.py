"""The outbox delivers each side effect, retries with backoff, gives up once, and never doubles across replicas."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from incidents.context import Domain
from incidents.dispatcher import Backoff, Dispatcher, RetryLater, requeue_failed
from incidents.outbox import DONE, FAILED, PENDING, OutboxMessage, enqueue


def _queue(domain: Domain, n: int, topic: str = "t", **kwargs) -> None:
    with domain.unit() as ctx:
        for i in range(n):
            enqueue(ctx.session, topic, now=ctx.now(), payload={"i": i}, **kwargs)


def _states(domain: Domain) -> list[tuple[str, int]]:
    with domain.unit() as ctx:
        return [(m.state, m.attempts) for m in ctx.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_delivers_everything_once(domain: Domain) -> None:
    seen: list[int] = []
    _queue(domain, 5)
    Dispatcher(domain.factory, {"t": lambda m: seen.append(m.payload["i"])}, domain.clock).drain()
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert _states(domain) == [(DONE, 1)] * 5


def test_dedup_key_coalesces_pending_messages(domain: Domain) -> None:
    _queue(domain, 3, dedup_key="card:1")
    assert len(_states(domain)) == 1


def test_failures_back_off_then_succeed(domain: Domain, clock) -> None:
    calls = Counter[str]()

    def flaky(message: OutboxMessage) -> None:
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("slack is down")

    _queue(domain, 1)
    dispatcher = Dispatcher(domain.factory, {"t": flaky}, domain.clock, backoff=Backoff(base=10, jitter=0))
    dispatcher.drain()
    assert _states(domain) == [(PENDING, 1)]
    clock.advance(timedelta(seconds=9))
    dispatcher.drain()
    assert calls["n"] == 1
    clock.advance(timedelta(seconds=2))
    dispatcher.drain()
    assert _states(domain) == [(PENDING, 2)]
    clock.advance(timedelta(seconds=21))
    dispatcher.drain()
    assert _states(domain) == [(DONE, 3)]


def test_retry_after_is_honoured_and_gives_up_once(domain: Domain, clock) -> None:
    given_up: list[str] = []

    def limited(message: OutboxMessage) -> None:
        raise RetryLater("ratelimited", after=30)

    _queue(domain, 1)
    dispatcher = Dispatcher(
        domain.factory, {"t": limited}, domain.clock, max_attempts=3, on_give_up=lambda m, error: given_up.append(error)
    )
    for _ in range(5):
        dispatcher.drain()
        clock.advance(timedelta(seconds=30))
    assert _states(domain) == [(FAILED, 3)]
    assert given_up == ["ratelimited"]
    with domain.unit() as ctx:
        assert requeue_failed(ctx.session, topics=["t"], now=ctx.now()) == 1
    assert _states(domain) == [(PENDING, 0)]


def test_unknown_topic_is_retried_not_lost(domain: Domain) -> None:
    _queue(domain, 1, topic="nobody.listens")
    Dispatcher(domain.factory, {}, domain.clock).drain()
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
    dispatchers = [Dispatcher(domain.factory, {"t": handler}, domain.clock, batch=7) for _ in range(2)]
    threads = [threading.Thread(target=d.drain) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(delivered) == 200 and set(delivered.values()) == {1}
