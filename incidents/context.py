"""The domain's entry point, and the one home of the unit of work: one :class:`Domain` per process, one
:class:`Ctx` per unit of work.

The rules every unit follows, whichever way the request came in (Slack, the API, Jira's webhook, the CLI, the
scheduler): everything it does commits together or not at all; it queues on the incident's row instead of
colliding with other writers (:meth:`Ctx.lock_incident`); it is tried again, after a short jittered pause, when
another writer got there first (:meth:`Domain.run`); what it records takes the time the request was received;
and once it commits side effects to the outbox, this process's dispatcher is woken to deliver them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from incidents.db import make_engine, make_sessionmaker
from incidents.errors import Conflict
from incidents.models import Incident
from incidents.paging.config import configured_services
from incidents.policy import Policy, load_policy
from incidents.settings import Settings
from incidents.timesource import FrozenTime, SystemTime, TimeSource

T = TypeVar("T")

CONFLICT = "Someone changed this incident at the same moment; please try again."

ATTEMPTS = 5
"""How many times :meth:`Domain.run` tries a unit before the conflict reaches the caller."""

PAUSE = 0.02
"""The first retry waits up to this many seconds; each later one up to twice as long as the one before."""

_TRY_AGAIN_STATES = frozenset({"40001", "40P01"})
"""PostgreSQL's serialization failure and deadlock: the transaction was rolled back and may simply run again."""

_DELIVERIES_QUEUED = "vigil.unit.deliveries_queued"


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit if the block finishes, roll back everything if it raises: services only ``add`` and ``flush``.
    The dispatcher's own bookkeeping uses it bare; everything else goes through :meth:`Domain.unit`."""
    with factory() as session, session.begin():
        yield session


def deliver_on_commit(session: Session) -> None:
    """Wake the dispatcher once ``session``'s unit commits, so that the outbox rows it queued are delivered now
    rather than at the dispatcher's next poll (:func:`incidents.outbox.enqueue` calls it for each row)."""
    session.info[_DELIVERIES_QUEUED] = True


@dataclass(frozen=True)
class Ctx:
    """What a service needs: the session of the current unit of work, the policy and the time."""

    session: Session
    policy: Policy
    time_source: TimeSource
    paging: frozenset[str] = frozenset()
    """The paging services of the policy that have a routing key in the settings (see :mod:`incidents.paging`):
    only these are paged; with none, paging records nothing."""

    def now(self) -> datetime:
        return self.time_source.now()

    def lock_incident(
        self, *, ref: str | None = None, channel: str | None = None, incident_id: int | None = None
    ) -> None:
        """Queue behind other writers of the incident named by its ``incident_id``, its ``channel`` or its
        ``ref`` (a row lock on PostgreSQL; SQLite serialises writers anyway) instead of colliding with them on its
        version counter. Call it first in the unit, before loading the incident, so that what is loaded is what
        the previous writer committed."""
        if incident_id is not None:
            named = Incident.id == incident_id
        elif channel is not None:
            named = Incident.slack_channel_id == channel
        else:
            named = Incident.ref == ref
        self.session.execute(select(Incident.id).where(named).with_for_update())


def nothing() -> None:
    return None


@dataclass
class Domain:
    engine: Engine
    factory: sessionmaker[Session]
    policy: Policy
    time_source: TimeSource
    poke: Callable[[], None] = field(default=nothing)
    """Wakes this process's outbox dispatcher; set by whoever runs one (:class:`vigil.assembly.Runtime`)."""
    paging: frozenset[str] = frozenset()
    """See :attr:`Ctx.paging`."""

    @classmethod
    def from_settings(cls, settings: Settings, time_source: TimeSource | None = None) -> Domain:
        engine = make_engine(settings.database_url)
        policy = load_policy(settings.policy_file)
        return cls(
            engine,
            make_sessionmaker(engine),
            policy,
            time_source or SystemTime(),
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
        outbox (:func:`deliver_on_commit`), the dispatcher is woken to deliver them now rather than at its next
        poll.
        """
        time_source = self.time_source if received is None else FrozenTime(received)
        try:
            with transaction(self.factory) as session:
                yield Ctx(session, self.policy, time_source, self.paging)
        except StaleDataError:
            raise Conflict(CONFLICT) from None
        except DBAPIError as exc:
            if _worth_retrying(exc):
                raise Conflict(CONFLICT) from None
            raise
        if session.info.get(_DELIVERIES_QUEUED):
            self.poke()

    def run(self, work: Callable[[Ctx], T], *, received: datetime | None = None, attempts: int = ATTEMPTS) -> T:
        """``work`` in a unit of work (as of ``received``, see :meth:`unit`), run again, after a short jittered
        pause, if another writer changed the same incident meanwhile (the retry sees the new state; ``work``
        queues on the incident's lock first, :meth:`Ctx.lock_incident`, so that it rarely has to). The last
        :class:`Conflict` reaches the caller."""
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                time.sleep(_pause_before(attempt))
            try:
                with self.unit(received) as ctx:
                    return work(ctx)
            except Conflict:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")


def _pause_before(attempt: int) -> float:
    """Seconds to wait before trying ``attempt`` (2, 3, ...) again: full jitter, so writers that collided once
    do not collide again in step."""
    return random.uniform(0, PAUSE * 2 ** max(0, attempt - 2))


def _worth_retrying(exc: DBAPIError) -> bool:
    """Whether the database rolled the transaction back only because of another one running at the same time."""
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state in _TRY_AGAIN_STATES
