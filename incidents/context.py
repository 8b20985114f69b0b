"""The domain's entry point: one :class:`Domain` per process, one :class:`Ctx` per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from incidents.db import make_engine, make_sessionmaker, transaction
from incidents.errors import Conflict
from incidents.policy import Policy, load_policy
from incidents.settings import Settings
from incidents.timesource import SystemTime, TimeSource


@dataclass(frozen=True)
class Ctx:
    """What a service needs: the session of the current unit of work, the policy and the time."""

    session: Session
    policy: Policy
    clock: TimeSource

    def now(self) -> datetime:
        return self.clock.now()


@dataclass
class Domain:
    engine: Engine
    factory: sessionmaker[Session]
    policy: Policy
    clock: TimeSource

    @classmethod
    def from_settings(cls, settings: Settings, clock: TimeSource | None = None) -> Domain:
        engine = make_engine(settings.database_url)
        return cls(engine, make_sessionmaker(engine), load_policy(settings.policy_file), clock or SystemTime())

    @contextmanager
    def unit(self) -> Iterator[Ctx]:
        """A unit of work: everything done through the yielded context commits together or not at all.

        Two writers changing one incident at once (several replicas, or a person and a webhook) are caught by
        the incident's version column: the later one is rolled back and told to try again.
        """
        try:
            with transaction(self.factory) as session:
                yield Ctx(session, self.policy, self.clock)
        except StaleDataError:
            raise Conflict("Someone changed this incident at the same moment; please try again.") from None
