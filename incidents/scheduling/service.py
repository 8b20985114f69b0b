"""The scheduler as ``vigil serve`` runs it: :func:`start_scheduler` and the handle it returns."""

from __future__ import annotations

import logging

from incidents.context import Domain
from incidents.scheduling.leader import AdvisoryLock, LeaderElection
from incidents.scheduling.runner import JobRunner, SchedulerRuntime
from incidents.settings import Settings

log = logging.getLogger(__name__)


class SchedulerService:
    """Runs the scheduler in this process when it should.

    On PostgreSQL, several replicas may start one each: only the holder of the advisory lock schedules, and a
    standby takes over within ``scheduling.leader_retry_seconds`` of the leader's death. On SQLite (a single
    process by design) it simply runs. The nudges a job records are delivered at once: the domain's unit of
    work wakes the outbox dispatcher on commit.
    """

    def __init__(
        self,
        domain: Domain,
        settings: Settings,
        *,
        name: str = "vigil",
    ) -> None:
        self.runtime = SchedulerRuntime(domain, settings)
        self.runner = JobRunner(self.runtime, name=name)
        self.election: LeaderElection | None = None
        if domain.engine.dialect.name == "postgresql":
            lock = AdvisoryLock(domain.engine.url)
            self.runtime.may_run = lock.still_held
            self.election = LeaderElection(
                lock,
                on_elected=self.runner.start,
                on_deposed=self.runner.stop,
                retry=settings.scheduling.leader_retry_seconds,
            )

    @property
    def leading(self) -> bool:
        return self.runner.running

    def start(self) -> SchedulerService:
        if not self.runtime.settings.scheduling.enabled:
            log.info("scheduler disabled by settings")
        elif self.election is not None:
            self.election.start()
        else:
            self.runner.start()
        return self

    def stop(self) -> None:
        """Step down: running jobs finish, then the lock (if any) is released for a standby."""
        if self.election is not None:
            self.election.stop()
        self.runner.stop()


def start_scheduler(
    domain: Domain,
    settings: Settings,
    *,
    name: str = "vigil",
) -> SchedulerService:
    """Start scheduling for ``vigil serve``; call ``stop()`` on the result at shutdown."""
    return SchedulerService(domain, settings, name=name).start()
