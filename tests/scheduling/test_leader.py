"""Several replicas on one PostgreSQL: one leads (holds the advisory lock) and runs the jobs; when it dies, a
standby takes over within its retry period, and no job runs twice."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, text

from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.scheduling.leader import AdvisoryLock
from incidents.scheduling.models import Nudge
from incidents.scheduling.service import SchedulerService
from tests.scheduling.test_runner import back_date, make_settings, wait_until

RETRY = 0.2


@pytest.fixture
def replicas(domain: Domain, backend: str) -> Iterator[Callable[[], SchedulerService]]:
    if backend != "postgresql":
        pytest.skip("leader election is for PostgreSQL; SQLite runs a single process")
    services: list[SchedulerService] = []
    engines: list[Engine] = []

    def replica() -> SchedulerService:
        """A replica with its own engine and pool, as a separate process would have."""
        engine = make_engine(domain.engine.url.render_as_string(hide_password=False))
        engines.append(engine)
        own = Domain(engine, make_sessionmaker(engine), domain.policy, domain.time_source)
        service = SchedulerService(own, make_settings(tick_seconds=0.1, leader_retry_seconds=RETRY))
        services.append(service)
        return service

    yield replica
    for service in services:
        service.stop()
    for engine in engines:
        engine.dispose()


def test_one_replica_leads_and_a_standby_takes_over_when_it_dies(
    domain: Domain, replicas: Callable[[], SchedulerService]
) -> None:
    first, second = replicas(), replicas()
    first.start()
    wait_until(lambda: first.leading)
    second.start()
    wait_until(lambda: first.runtime.runs["tick"] >= 3)
    assert not second.leading and not second.runtime.runs

    back_date(domain, leadership_digest=timedelta(minutes=5))  # a digest falls due while the leader dies
    pid = first.election.lock.backend_pid()  # type: ignore[union-attr]
    with domain.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    died = time.monotonic()
    wait_until(lambda: second.leading and not first.leading)
    assert time.monotonic() - died < 3 * RETRY + 1.0
    ran_by_first = first.runtime.runs["tick"]
    wait_until(lambda: second.runtime.runs["tick"] >= 3 and _digests(domain))
    assert first.runtime.runs["tick"] == ran_by_first  # the deposed replica ran nothing more
    # The digest's cron run may have been lost with the old leader; the new leader's ticks finish it, once.
    assert first.runtime.runs["leadership_digest"] + second.runtime.runs["leadership_digest"] <= 1
    ticks = second.runtime.runs["tick"]
    wait_until(lambda: second.runtime.runs["tick"] >= ticks + 2)  # ticks that would have sent a second digest
    assert _digests(domain) == 1


def _digests(domain: Domain) -> int:
    with domain.unit() as ctx:
        return ctx.session.scalar(select(func.count()).where(Nudge.kind == "leadership_digest")) or 0


def test_a_replica_that_stops_hands_over_cleanly(domain: Domain, replicas: Callable[[], SchedulerService]) -> None:
    first, second = replicas(), replicas()
    first.start()
    wait_until(lambda: first.leading)
    second.start()
    first.stop()
    wait_until(lambda: second.leading)
    assert not first.leading


def test_the_lock_is_exclusive_and_released_with_its_session(domain: Domain, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL advisory locks")
    one, two = AdvisoryLock(domain.engine.url), AdvisoryLock(domain.engine.url)
    try:
        assert one.try_acquire() and one.still_held()
        assert not two.try_acquire()
        one.release()
        assert not one.held and two.try_acquire()
    finally:
        one.dispose()
        two.dispose()
