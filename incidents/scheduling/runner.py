"""APScheduler wiring: the jobs, persisted in Vigil's own database, calling :mod:`tick` and :mod:`jobs`.

Jobs are stored by reference (``run_job`` plus plain string arguments) because the job store pickles them; the
live objects they need (the domain, the settings) are found through :data:`_RUNTIMES` under the scheduler's name,
registered only while this process runs the scheduler. Every job coalesces missed runs into one, within a grace
time that suits it, so a restart after an outage runs each missed job once. Jobs already in the store keep their
next run time across restarts (that is how a missed run is noticed); a changed trigger re-plans the job.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from incidents.apikeys.service import expire_idempotency_records
from incidents.context import Domain
from incidents.db import make_engine
from incidents.errors import ConfigError
from incidents.observability import observer
from incidents.record.checks import check_logs
from incidents.record.delivery import checkpoint_if_due
from incidents.record.retention import purge_due
from incidents.scheduling import jobs
from incidents.scheduling.config import WEEKDAYS, parse_boundary
from incidents.scheduling.jobs import DIGEST_GRACE, HANDOFF_GRACE
from incidents.scheduling.models import JOBS_TABLE, Nudge
from incidents.scheduling.tick import tick
from incidents.settings import Settings
from incidents.tracker import reconcile_configured, tracker_configured

log = logging.getLogger(__name__)

JOB_PREFIX = "vigil."
DIGEST_GRACE_S = int(DIGEST_GRACE.total_seconds())
HANDOFF_GRACE_S = int(HANDOFF_GRACE.total_seconds())


@dataclass
class SchedulerRuntime:
    """What the stored jobs run against in this process. ``runs`` counts the jobs this process ran."""

    domain: Domain
    settings: Settings
    may_run: Callable[[], bool] = lambda: True
    runs: Counter[str] = field(default_factory=Counter)

    def run(self, job: str, *args: str) -> list[Nudge]:
        if not self.may_run():
            log.warning("scheduler job %s skipped: this process no longer leads", job)
            return []
        config = self.settings.scheduling
        if job == "tick":
            recorded = tick(self.domain, config) + jobs.catch_up(self.domain, self.settings)
            self.domain.run(expire_idempotency_records)
        elif job == "handoff":
            recorded = jobs.handoff_boundary(self.domain, parse_boundary(args[0]))
        elif job == "actions_digest":
            recorded = jobs.actions_digest(self.domain, config)
        elif job == "tracker_reconcile":
            reconcile_configured(self.domain, self.settings)
            recorded = []
        elif job == "leadership_digest":
            recorded = jobs.leadership_digest(self.domain, config, self.settings.leadership_channel)
        elif job == "record_checkpoint":
            checkpoint_if_due(self.domain, self.settings)
            recorded = []
        elif job == "retention_purge":
            purge_due(self.domain)
            recorded = []
        elif job == "record_verify":
            check_logs(self.domain, self.settings)
            recorded = []
        else:
            raise LookupError(f"unknown scheduler job {job!r}")
        self.runs[job] += 1
        return recorded


_RUNTIMES: dict[str, SchedulerRuntime] = {}
_RUNTIMES_LOCK = threading.Lock()


def run_job(name: str, job: str, *args: str) -> None:
    """What the job store stores: a module-level function with plain arguments."""
    with _RUNTIMES_LOCK:
        runtime = _RUNTIMES.get(name)
    if runtime is None:
        raise RuntimeError(f"scheduler {name!r} is not running in this process")
    runtime.run(job, *args)


@dataclass(frozen=True)
class JobSpec:
    trigger: BaseTrigger
    args: list[str]
    grace: int | None


def wanted_jobs(settings: Settings, name: str) -> dict[str, JobSpec]:
    """The jobs the settings ask for, by id. The tick has no grace limit: a late tick is still the right tick."""
    config = settings.scheduling
    specs = {f"{JOB_PREFIX}tick": JobSpec(IntervalTrigger(seconds=config.tick_seconds), [name, "tick"], None)}
    weekly = config.weekly
    digest = CronTrigger(
        day_of_week=WEEKDAYS[weekly.weekday], hour=weekly.at.hour, minute=weekly.at.minute, timezone=UTC
    )
    if config.actions_digest_channel:
        specs[f"{JOB_PREFIX}actions_digest"] = JobSpec(digest, [name, "actions_digest"], DIGEST_GRACE_S)
    if settings.leadership_channel:
        specs[f"{JOB_PREFIX}leadership_digest"] = JobSpec(digest, [name, "leadership_digest"], DIGEST_GRACE_S)
    if tracker_configured(settings):
        specs[f"{JOB_PREFIX}tracker_reconcile"] = JobSpec(
            IntervalTrigger(seconds=settings.jira_reconcile_seconds), [name, "tracker_reconcile"], None
        )
    if settings.record_signing_key or settings.record_signing_key_file:
        specs[f"{JOB_PREFIX}record_checkpoint"] = JobSpec(
            IntervalTrigger(seconds=config.tick_seconds), [name, "record_checkpoint"], None
        )
        specs[f"{JOB_PREFIX}record_verify"] = JobSpec(
            CronTrigger(hour=4, minute=0, timezone=UTC), [name, "record_verify"], DIGEST_GRACE_S
        )
    specs[f"{JOB_PREFIX}retention_purge"] = JobSpec(
        CronTrigger(hour=3, minute=0, timezone=UTC), [name, "retention_purge"], DIGEST_GRACE_S
    )
    for boundary, text in zip(config.boundaries, config.handoff_boundaries, strict=True):
        trigger = CronTrigger(hour=boundary.at.hour, minute=boundary.at.minute, timezone=UTC)
        specs[boundary.job_id] = JobSpec(trigger, [name, "handoff", text], HANDOFF_GRACE_S)
    return specs


def check_regions(domain: Domain, settings: Settings) -> None:
    for boundary in settings.scheduling.boundaries:
        if boundary.region not in domain.policy.regions:
            raise ConfigError(
                f"scheduling.handoff_boundaries: unknown region {boundary.region!r}; "
                f"the policy's regions are {', '.join(domain.policy.regions)}"
            )


class VigilScheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 is untyped: no py.typed, no stubs
    """APScheduler's background scheduler, minus one shutdown race.

    In APScheduler 3.11 the scheduler thread, woken by ``shutdown()``, processes due jobs once more after the
    executors are shut down: it cannot run them but still advances their next run time in the store, so a job
    due at that moment would be lost to the next leader. A stopped scheduler here leaves the store alone.
    """

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self.state == STATE_STOPPED:
                return None
            wait: float | None = super()._process_jobs()
            return wait


def build_scheduler(domain: Domain, *, jobstore_engine: Engine | None = None) -> VigilScheduler:
    """An APScheduler (not started) whose jobs live in Vigil's database, in the ``scheduler_jobs`` table that
    Vigil's migrations create. The job store gets its own engine: APScheduler disposes it on shutdown."""
    engine = jobstore_engine or make_engine(domain.engine.url.render_as_string(hide_password=False))
    return VigilScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=UTC,
    )


def sync_jobs(scheduler: BackgroundScheduler, wanted: dict[str, JobSpec]) -> None:
    """Make the store hold exactly ``wanted``: add missing jobs, re-plan changed ones, drop retired ones.

    Unchanged jobs are left alone so their stored next run time survives a restart (a missed run then fires
    once, coalesced, when the scheduler resumes). Call on a started, paused scheduler.
    """
    for job_id, spec in wanted.items():
        job = scheduler.get_job(job_id)
        options: dict[str, Any] = {"args": spec.args, "misfire_grace_time": spec.grace, "coalesce": True}
        if job is None:
            scheduler.add_job(run_job, trigger=spec.trigger, id=job_id, name=job_id, max_instances=1, **options)
            continue
        if job.args != tuple(spec.args) or job.misfire_grace_time != spec.grace:
            scheduler.modify_job(job_id, **options)
        if str(job.trigger) != str(spec.trigger):
            scheduler.reschedule_job(job_id, trigger=spec.trigger)
    for job in scheduler.get_jobs():
        if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
            scheduler.remove_job(job.id)


class JobRunner:
    """One APScheduler over the shared job store, running this process's :class:`SchedulerRuntime`.

    Only one process may run it against a database at a time (see :mod:`incidents.scheduling.leader`).
    """

    def __init__(self, runtime: SchedulerRuntime, *, name: str = "vigil") -> None:
        check_regions(runtime.domain, runtime.settings)
        self.runtime = runtime
        self.name = name
        self.scheduler: BackgroundScheduler | None = None

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    def start(self) -> None:
        with _RUNTIMES_LOCK:
            if self.name in _RUNTIMES:
                raise RuntimeError(f"scheduler {self.name!r} is already running in this process")
            _RUNTIMES[self.name] = self.runtime
        try:
            scheduler = build_scheduler(self.runtime.domain)
            scheduler.start(paused=True)
            sync_jobs(scheduler, wanted_jobs(self.runtime.settings, self.name))
            scheduler.resume()
        except Exception:
            self._unregister()
            raise
        self.scheduler = scheduler
        observer().leading(True)

    def stop(self) -> None:
        """Stop scheduling once running jobs have finished."""
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)
            observer().leading(False)
        self._unregister()

    def _unregister(self) -> None:
        with _RUNTIMES_LOCK:
            if _RUNTIMES.get(self.name) is self.runtime:
                del _RUNTIMES[self.name]
