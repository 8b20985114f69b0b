"""Scheduling tests drive the jobs with the hand-moved clock and read back the nudges they recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from incidents.context import Domain
from incidents.outbox import OutboxMessage
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.models import Nudge
from incidents.scheduling.tick import tick
from incidents.timesource import ManualTime


@dataclass(frozen=True)
class Seen:
    kind: str
    subject: str
    due_at: datetime
    recipients: tuple[str, ...]


@pytest.fixture
def config() -> SchedulingSettings:
    return SchedulingSettings()


class Ticker:
    """Moves the clock and ticks, returning what each tick newly recorded."""

    def __init__(self, domain: Domain, time_source: ManualTime, config: SchedulingSettings) -> None:
        self.domain, self.time_source, self.config = domain, time_source, config

    def __call__(self, advance: timedelta = timedelta(0)) -> list[Seen]:
        self.time_source.advance(advance)
        return [_seen(n) for n in tick(self.domain, self.config)]

    def all(self) -> list[Seen]:
        with self.domain.unit() as ctx:
            return [_seen(n) for n in ctx.session.scalars(select(Nudge).order_by(Nudge.id))]

    def outbox(self) -> list[tuple[str, int]]:
        with self.domain.unit() as ctx:
            rows = ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.topic.like("nudge.%")))
            return [(row.topic, row.payload["nudge_id"]) for row in rows]


@pytest.fixture
def ticker(domain: Domain, time_source: ManualTime, config: SchedulingSettings) -> Ticker:
    return Ticker(domain, time_source, config)


def _seen(nudge: Nudge) -> Seen:
    return Seen(nudge.kind, nudge.subject, nudge.due_at, tuple(nudge.recipients))
