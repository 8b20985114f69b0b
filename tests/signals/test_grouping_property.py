"""Property: shuffled, repeated and concurrent reports over two replicas give exactly one group per target, one
incident at most per group, and notes whose counts add up to the signals exactly."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.dispatcher import Dispatcher
from incidents.enums import TimelineKind
from incidents.models import Incident, TimelineEntry
from incidents.policy import load_policy
from incidents.signals.delivery import signal_handlers_only
from incidents.signals.intake import Report, receive
from incidents.signals.models import GroupState, Signal, SignalGroup
from incidents.timesource import ManualTime
from tests.dbs import empty_tables

THRESHOLD = 50  # the default policy: 50 reports within 10 minutes declare


def replica(engine_url: str, domain: Domain) -> Domain:
    """Another process on the same database: its own engine and connection pool."""
    engine = make_engine(engine_url)
    return replace(domain, engine=engine, factory=make_sessionmaker(engine))


waves = st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=3)


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    sizes=waves,
    repeats=st.integers(min_value=0, max_value=30),
    seed=st.integers(0, 2**16),
    batch=st.sampled_from([1, 7, 40]),
)
def check(
    engine: Engine, url: str, time_source: ManualTime, sizes: list[int], repeats: int, seed: int, batch: int
) -> None:
    empty_tables(engine)
    one = Domain(engine, make_sessionmaker(engine), load_policy(), time_source)
    two = replica(url, one)
    rng = random.Random(seed)
    reports = [
        Report(source=rng.choice(["hotline", "in_app"]), type="hate_harassment", subject=f"target-{t}",
               external_ref=f"{t}-{n}", text="report")
        for t, size in enumerate(sizes)
        for n in range(size)
    ]  # fmt: skip
    sent = reports + [rng.choice(reports) for _ in range(repeats)]
    rng.shuffle(sent)
    batches = [sent[i : i + batch] for i in range(0, len(sent), batch)]

    def deliver(job: tuple[int, list[Report]]) -> None:
        number, reports_ = job
        domain = (one, two)[number % 2]
        domain.run(lambda ctx: receive(ctx, reports_, actor="api:hotline"), attempts=20)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(deliver, enumerate(batches)))
    two.engine.dispose()
    time_source.advance(timedelta(minutes=2))
    Dispatcher(one.factory, signal_handlers_only(one), time_source).drain()

    with one.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Signal)) == len(reports), "each report once"
        per_group = dict(ctx.session.execute(select(Signal.group_id, func.count()).group_by(Signal.group_id)).all())
        groups = ctx.session.scalars(select(SignalGroup)).all()
        assert len(groups) == len(sizes), "one group per target"
        assert sorted(per_group.values()) == sorted(sizes), "each group holds exactly its target's reports"
        incidents = ctx.session.scalar(select(func.count()).select_from(Incident))
        assert incidents == sum(1 for s in sizes if s >= THRESHOLD), "one incident per group past the threshold"
        for group in groups:
            assert (group.state is GroupState.ATTACHED) == (per_group[group.id] >= THRESHOLD)
        noted = Counter[int]()
        for entry in ctx.session.scalars(select(TimelineEntry).where(TimelineEntry.kind == TimelineKind.SIGNALS)):
            noted[entry.data["group_id"]] += entry.data["count"]
        assert noted == Counter({g.id: per_group[g.id] for g in groups if g.state is GroupState.ATTACHED})


def test_concurrent_shuffled_repeated_reports_group_exactly(
    engine: Engine, db_url: str, time_source: ManualTime
) -> None:
    check(engine, db_url, time_source)
