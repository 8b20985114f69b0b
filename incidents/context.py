"""The domain's entry point: one :class:`Domain` per process, one :class:`Ctx` per unit of work."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from incidents.db import make_engine, make_sessionmaker, transaction
from incidents.errors import Conflict
from incidents.paging.config import configured_services
from incidents.policy import Policy, load_policy
from incidents.settings import Settings
from incidents.timesource import FrozenTime, SystemTime, TimeSource
from incidents.unit import ATTEMPTS, lock_incident, pause_before, queued_deliveries, worth_retrying

T = TypeVar("T")

CONFLICT = "Someone changed this incident at the same moment; please try again."


@dataclass(frozen=True)
class Ctx:
    """What a service needs: the session of the current unit of work, the policy and the time."""

    session: Session
    policy: Policy
    clock: TimeSource
    paging: frozenset[str] = frozenset()
    """The paging services of the policy that have a routing key in the settings (see :mod:`incidents.paging`):
    only these are paged; with none, paging records nothing."""

    def now(self) -> datetime:
        return self.clock.now()


def nothing() -> None:
    return None


@dataclass
class Domain:
    engine: Engine
    factory: sessionmaker[Session]
    policy: Policy
    clock: TimeSource
    poke: Callable[[], None] = field(default=nothing)
    """Wakes this process's outbox dispatcher; set by whoever runs one (:class:`vigil.assembly.Runtime`)."""
    paging: frozenset[str] = frozenset()
    """See :attr:`Ctx.paging`."""

    @classmethod
    def from_settings(cls, settings: Settings, clock: TimeSource | None = None) -> Domain:
        engine = make_engine(settings.database_url)
        policy = load_policy(settings.policy_file)
        return cls(
            engine,
            make_sessionmaker(engine),
            policy,
            clock or SystemTime(),
            paging=configured_services(settings, policy.paging),
        )

    @contextmanager
    def unit(self, received: datetime | None = None) -> Iterator[Ctx]:
        """A unit of work: everything done through the yielded context commits together or not at all.

        Two writers changing one incident at once (several replicas, or a person and a webhook) are caught by
        the incident's version column: the later one is rolled back and told to try again (:meth:`run` does).

        ``received`` is the time of everything the unit records: requests that arrive together are handled by
        a pool of workers, queue on the incident's lock and retry on conflicts in no particular order, and their
        timeline must read in the order Vigil received them. Once the unit has committed side effects to the
        outbox, the dispatcher is woken to deliver them now rather than at its next poll.
        """
        clock = self.clock if received is None else FrozenTime(received)
        try:
            with transaction(self.factory) as session:
                yield Ctx(session, self.policy, clock, self.paging)
        except StaleDataError:
            raise Conflict(CONFLICT) from None
        except DBAPIError as exc:
            if worth_retrying(exc):
                raise Conflict(CONFLICT) from None
            raise
        if queued_deliveries(session):
            self.poke()

    def run(
        self,
        work: Callable[[Ctx], T],
        *,
        received: datetime | None = None,
        lock: str | None = None,
        attempts: int = ATTEMPTS,
    ) -> T:
        """``work`` in a unit of work (as of ``received``, see :meth:`unit`), after queueing on the lock of the
        incident whose reference is ``lock``; run again, after a short jittered pause, if another writer changed
        the same incident meanwhile (the retry sees the new state). The last :class:`Conflict` reaches the caller.
        """
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                time.sleep(pause_before(attempt))
            try:
                with self.unit(received) as ctx:
                    if lock is not None:
                        lock_incident(ctx, ref=lock)
                    return work(ctx)
            except Conflict:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")
