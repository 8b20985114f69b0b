"""The real APScheduler wiring: jobs persist in Vigil's database, a restart runs each missed job once
(coalesced) within its grace time, and settings changes re-plan or retire jobs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from incidents.context import Domain
from incidents.enums import Severity
from incidents.errors import ConfigError
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.models import Nudge, scheduler_jobs
from incidents.scheduling.runner import JOB_PREFIX, JobRunner, SchedulerRuntime, build_scheduler, wanted_jobs
from incidents.scheduling.service import start_scheduler
from incidents.settings import Settings, load_settings
from tests.helpers import declared_ref


def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def make_settings(**scheduling: object) -> Settings:
    fields: dict[str, object] = {"tick_seconds": 3600, "handoff_boundaries": ["07:00 EMEA", "15:00 AMS"]}
    return Settings(leadership_channel="C_LEADERS", scheduling=SchedulingSettings(**{**fields, **scheduling}))


@pytest.fixture
def runners() -> Iterator[list[JobRunner]]:
    """Runners started by a test, stopped whatever happens."""
    started: list[JobRunner] = []
    yield started
    for runner in started:
        runner.stop()


def start(runners: list[JobRunner], domain: Domain, settings: Settings) -> JobRunner:
    runner = JobRunner(SchedulerRuntime(domain, settings))
    runner.start()
    runners.append(runner)
    return runner


def stored_jobs(domain: Domain) -> dict[str, datetime]:
    with domain.engine.connect() as connection:
        rows = connection.execute(select(scheduler_jobs.c.id, scheduler_jobs.c.next_run_time))
        return {job_id: datetime.fromtimestamp(ts, UTC) for job_id, ts in rows}


def back_date(domain: Domain, **ago: timedelta) -> None:
    """Pretend Vigil was down: move stored jobs' next run into the past, as an outage leaves them."""
    scheduler = build_scheduler(domain)
    scheduler.start(paused=True)
    for job_id, delta in ago.items():
        scheduler.modify_job(f"vigil.{job_id.replace('__', '.')}", next_run_time=datetime.now(UTC) - delta)
    scheduler.shutdown(wait=False)


def test_jobs_persist_in_the_database_and_follow_the_settings(domain: Domain, runners: list[JobRunner]) -> None:
    runner = start(runners, domain, make_settings())
    expected = {
        "vigil.tick",
        "vigil.leadership_digest",
        "vigil.retention_purge",
        "vigil.handoff.0700.EMEA",
        "vigil.handoff.1500.AMS",
    }
    assert set(stored_jobs(domain)) == expected
    tick_at = stored_jobs(domain)["vigil.tick"]
    runner.stop()
    runners.clear()
    start(runners, domain, make_settings(handoff_boundaries=["07:00 EMEA"], actions_digest_channel="C_ACT"))
    jobs = stored_jobs(domain)
    assert set(jobs) == expected - {"vigil.handoff.1500.AMS"} | {"vigil.actions_digest"}
    assert jobs["vigil.tick"] == tick_at  # unchanged jobs keep their schedule across restarts
    assert jobs["vigil.leadership_digest"].weekday() == 0 and jobs["vigil.leadership_digest"].hour == 9


def test_a_restart_runs_each_missed_job_once_within_its_grace(domain: Domain, runners: list[JobRunner]) -> None:
    declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1)
    domain.time_source.advance(timedelta(hours=2))  # its first update is overdue
    # Three hours or more from now on both clocks (the wall clock's back-dated run, the domain's hand-off check),
    # whatever the hour the test runs at: its hand-off never falls due.
    moments = (datetime.now(UTC), domain.time_source.now())
    boundary = next(h for h in range(24) if all(min((h - m.hour) % 24, (m.hour - h) % 24) >= 3 for m in moments))
    settings = make_settings(tick_seconds=60, handoff_boundaries=[f"{boundary:02d}:00 EMEA"])
    first = start(runners, domain, settings)
    first.stop()
    runners.clear()
    back_date(
        domain,
        tick=timedelta(minutes=30),  # thirty missed ticks
        leadership_digest=timedelta(hours=3),  # within the digest's day of grace
        **{f"handoff__{boundary:02d}00__EMEA": timedelta(hours=2)},  # past the hand-off's hour of grace: skipped
    )
    runner = start(runners, domain, settings)
    wait_until(lambda: runner.runtime.runs["tick"] and runner.runtime.runs["leadership_digest"])
    # Every missed run has been dealt with once each job's next run is in the future again: only then may the count
    # be read as final.
    wait_until(lambda: all(when > datetime.now(UTC) for when in stored_jobs(domain).values()))
    assert dict(runner.runtime.runs) == {"tick": 1, "leadership_digest": 1}
    with domain.unit() as ctx:
        kinds = sorted(ctx.session.scalars(select(Nudge.kind)))
    assert kinds == ["leadership_digest", "update_due"]
    jobs = stored_jobs(domain)
    now = datetime.now(UTC)
    assert all(when > now for when in jobs.values())
    assert jobs["vigil.tick"] - now > timedelta(seconds=50)


def test_the_service_runs_at_once_on_sqlite(domain: Domain, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL replicas elect a leader (test_leader.py)")
    service = start_scheduler(domain, make_settings(tick_seconds=0.1))
    try:
        assert service.leading
        wait_until(lambda: service.runtime.runs["tick"] >= 2)
    finally:
        service.stop()
    assert not service.leading


def test_unknown_regions_are_refused_at_start(domain: Domain) -> None:
    from incidents.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown region 'LATAM'"):
        JobRunner(SchedulerRuntime(domain, make_settings(handoff_boundaries=["12:00 LATAM"])))


JIRA = {"jira_url": "https://jira.example", "jira_token": "t", "jira_project": "SAFE"}
RECONCILE = f"{JOB_PREFIX}tracker_reconcile"


def test_jira_reconcile_is_scheduled_only_when_jira_is_configured() -> None:
    plain = Settings(database_url="sqlite:///x.db")
    jira = Settings(database_url="sqlite:///x.db", **JIRA)
    assert RECONCILE not in wanted_jobs(plain, "vigil")
    assert wanted_jobs(jira, "vigil")[RECONCILE].trigger.interval == timedelta(minutes=5)


def test_the_reconcile_interval_is_a_setting_and_a_change_re_plans_the_job(
    runners: list[JobRunner], domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_JIRA_RECONCILE_SECONDS", "90")
    every_90s = load_settings(**JIRA)
    assert every_90s.jira_reconcile_seconds == 90
    runner = start(runners, domain, every_90s)
    assert seconds_until(domain, RECONCILE) == pytest.approx(90, abs=5)
    runner.stop()
    start(runners, domain, Settings(**JIRA, jira_reconcile_seconds=45))
    assert seconds_until(domain, RECONCILE) == pytest.approx(45, abs=5)


def seconds_until(domain: Domain, job_id: str) -> float:
    return (stored_jobs(domain)[job_id] - datetime.now(UTC)).total_seconds()


def test_a_reconcile_interval_under_30_seconds_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_JIRA_RECONCILE_SECONDS", "10")
    with pytest.raises(ConfigError, match="VIGIL_JIRA_RECONCILE_SECONDS: Input should be greater than or equal to 30"):
        load_settings()
