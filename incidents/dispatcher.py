"""Deliver outbox rows through adapters, with retries, exponential backoff and jitter.

Guarantees: a row is delivered at least once (a crash after delivery but before the row is marked done means
it runs again, so handlers must be idempotent); rows claimed by one process are invisible to others for the
lease, renewed while their handlers run (so a dead holder's rows are taken over within one short lease), so
several replicas can run dispatchers on one PostgreSQL; a row that keeps failing is marked failed
after ``max_attempts`` tries spread over at least ``patience`` (an outage of Jira or Slack shorter than that
never makes anything fail), and the ``on_give_up`` hook is called once.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from incidents.context import transaction
from incidents.db import on_postgresql
from incidents.observability import observer, scope
from incidents.outbox import DONE, FAILED, PENDING, OutboxMessage, Topic
from incidents.timesource import TimeSource

log = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]

PATIENCE = timedelta(hours=1)
"""How long a failing row keeps being tried, however many tries that takes (the backoff is capped at 5 minutes):
the chaos bench's one-minute Jira outage with 10% errors around it used up eight tries in two minutes."""

LEASE = timedelta(seconds=6)
"""How long claimed rows stay hidden from other dispatchers; renewed while their handlers run."""


class RetryLater(Exception):
    """Raised by a handler that could not deliver now (outage, 429, a dependency not ready yet)."""

    def __init__(self, reason: str, *, after: float | None = None, counts: bool = True) -> None:
        super().__init__(reason)
        self.after = after
        self.counts = counts


@dataclass
class Backoff:
    base: float = 1.0
    cap: float = 300.0
    jitter: float = 0.5

    def delay(self, attempt: int) -> float:
        """Full exponential growth capped at ``cap``, spread by +-``jitter`` so replicas do not retry in step."""
        raw: float = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return raw * (1 + random.uniform(-self.jitter, self.jitter))


@dataclass
class Dispatcher:
    factory: sessionmaker[Session]
    handlers: Mapping[Topic, Handler]
    time_source: TimeSource
    backoff: Backoff = field(default_factory=Backoff)
    max_attempts: int = 8
    patience: timedelta = PATIENCE
    lease: timedelta = LEASE
    batch: int = 50
    workers: int = 8
    on_give_up: Callable[[OutboxMessage, str], None] | None = None
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        """A handler registered under a string that is not a :class:`Topic` fails here, when the process is wired."""
        self.handlers = {Topic(topic): handler for topic, handler in self.handlers.items()}

    @property
    def unhandled(self) -> frozenset[Topic]:
        """Topics nobody delivers in this process: their rows wait (and are retried) until a handler exists."""
        return frozenset(Topic) - self.handlers.keys()

    def poke(self) -> None:
        """Ask the running loop to look for work now rather than at its next poll."""
        self._wake.set()

    def run_once(self) -> int:
        """Claim due rows and deliver them concurrently; return when all are delivered (tests and the CLI).
        Returns how many were claimed."""
        claimed = self._claim(self.batch)
        if not claimed:
            return 0
        with _LeaseKeeper(self) as keeper, ThreadPoolExecutor(max_workers=min(self.workers, len(claimed))) as pool:
            keeper.hold(claimed)
            list(pool.map(self._deliver, claimed))
        return len(claimed)

    def drain(self, timeout: float = 30.0) -> None:
        """Deliver until nothing is due (tests and the CLI). Rows waiting on backoff are left for later."""
        deadline = self.time_source.now() + timedelta(seconds=timeout)
        while self.run_once() and self.time_source.now() < deadline:
            pass

    def run_forever(self, poll: float = 1.0) -> None:
        """Keep every worker busy: a row queued while others are being delivered is claimed as soon as a worker
        is free, not after the slowest delivery of a batch (a declare never waits behind a slow review upload).
        On stop, deliveries under way finish before this returns."""
        with _LeaseKeeper(self) as keeper, ThreadPoolExecutor(self.workers, thread_name_prefix="vigil-outbox") as pool:
            while not self._stop.is_set():
                self._wake.clear()  # before claiming, so a poke during the claim is not lost
                free = self.workers - keeper.holding()
                claimed = self._claim_safely(min(free, self.batch)) if free > 0 else []
                keeper.hold(claimed)
                for row in claimed:
                    pool.submit(self._deliver_held, row, keeper)
                if len(claimed) == free and free > 0:
                    continue  # there may be more due
                self._wake.wait(poll)

    def _claim_safely(self, limit: int) -> list[OutboxMessage]:
        try:
            return self._claim(limit)
        except Exception:
            log.exception("outbox dispatcher could not claim rows; retrying")
            return []

    def _deliver_held(self, message: OutboxMessage, keeper: _LeaseKeeper) -> None:
        try:
            self._deliver(message)
        finally:
            keeper.release(message)
            self._wake.set()  # a worker is free

    def stop(self) -> None:
        """Deliveries under way finish; rows claimed but not yet started go back to the queue at once."""
        self._stop.set()
        self._wake.set()

    def _claim(self, limit: int) -> list[OutboxMessage]:
        now = self.time_source.now()
        with transaction(self.factory) as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.state == PENDING, OutboxMessage.available_at <= now)
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
            if on_postgresql(session):
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            for row in rows:
                row.redelivery = row.handed_out_before()
                row.available_at = now + self.lease
            return rows

    def _deliver(self, message: OutboxMessage) -> None:
        if self._stop.is_set():
            self._release(message)
            return
        with scope():  # the handler annotates its log lines with the incident it turns out to be about
            self._run_handler(message)

    def _run_handler(self, message: OutboxMessage) -> None:
        handler = self._handler_for(message.topic)
        try:
            if handler is None:
                raise LookupError(f"no handler for outbox topic {message.topic!r}")
            handler(message)
        except RetryLater as exc:
            self._retry(message, str(exc), after=exc.after, counts=exc.counts)
        except Exception as exc:
            log.warning("outbox %s #%s failed: %s", message.topic, message.id, exc, exc_info=True)
            self._retry(message, f"{type(exc).__name__}: {exc}", after=None, counts=True)
        else:
            self._finish(message, DONE, None)

    def _handler_for(self, topic: str) -> Handler | None:
        try:
            return self.handlers.get(Topic(topic))
        except ValueError:
            return None  # a topic this version does not know, e.g. queued by a newer replica mid-deploy

    def _retry(self, message: OutboxMessage, error: str, *, after: float | None, counts: bool) -> None:
        attempts = message.attempts + (1 if counts else 0)
        if attempts >= self.max_attempts and self.time_source.now() - message.created_at >= self.patience:
            self._finish(message, FAILED, error, attempts=attempts)
            if self.on_give_up is not None:
                self.on_give_up(message, error)
            return
        observer().delivered(message.topic, "retry")
        delay = after if after is not None else self.backoff.delay(attempts)
        with transaction(self.factory) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(
                    attempts=attempts,
                    last_error=error[:2000],
                    available_at=self.time_source.now() + timedelta(seconds=delay),
                )
            )

    def _release(self, message: OutboxMessage) -> None:
        """Hand a claimed row back before its lease runs out (this process is stopping), for another replica."""
        with transaction(self.factory) as session:
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message.id).values(available_at=self.time_source.now())
            )

    def _finish(self, message: OutboxMessage, state: str, error: str | None, attempts: int | None = None) -> None:
        observer().delivered(message.topic, state)
        with transaction(self.factory) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(
                    state=state,
                    attempts=attempts if attempts is not None else message.attempts + 1,
                    last_error=error[:2000] if error else None,
                    finished_at=self.time_source.now(),
                )
            )


class _LeaseKeeper(threading.Thread):
    """Renews the lease of rows being delivered every third of it, so the lease can be short.

    A row is renewed only while it still holds the lease this keeper set last: once its handler has recorded a
    result (done, failed, a retry at its own time, handed back) the row is left alone."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        super().__init__(name="vigil-outbox-lease", daemon=True)
        self.dispatcher = dispatcher
        self._held: dict[int, datetime] = {}  # row id -> the available_at this keeper last set
        self._lock = threading.Lock()
        self.finished = threading.Event()

    def __enter__(self) -> _LeaseKeeper:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finished.set()
        self.join()

    def hold(self, rows: list[OutboxMessage]) -> None:
        with self._lock:
            self._held.update((row.id, row.available_at) for row in rows)

    def release(self, row: OutboxMessage) -> None:
        with self._lock:
            self._held.pop(row.id, None)

    def holding(self) -> int:
        with self._lock:
            return len(self._held)

    def run(self) -> None:
        lease = self.dispatcher.lease
        while not self.finished.wait(lease.total_seconds() / 3):
            with self._lock:
                groups: dict[datetime, list[int]] = {}
                for row_id, until in self._held.items():
                    groups.setdefault(until, []).append(row_id)
            for held_until, ids in groups.items():
                self._renew(ids, held_until, self.dispatcher.time_source.now() + lease)

    def _renew(self, ids: list[int], held_until: datetime, until: datetime) -> None:
        try:
            with transaction(self.dispatcher.factory) as session:
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id.in_(ids),
                        OutboxMessage.state == PENDING,
                        OutboxMessage.available_at == held_until,
                    )
                    .values(available_at=until)
                )
        except Exception:
            log.warning("could not renew the outbox lease; another replica may take these rows over", exc_info=True)
            return
        with self._lock:
            for row_id in ids:
                if row_id in self._held:
                    self._held[row_id] = until
