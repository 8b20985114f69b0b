"""Times the record on PostgreSQL and SQLite: what appending leaves adds to a write, and how long
``vigil verify --all`` takes.

Usage: ``.venv/bin/python -m bench.bench_record [--notes 2000] [--incidents 2000] [--per-incident 5]
[--backends postgresql,sqlite] [--keep]``

The machine may be shared: wall times then include other processes' turns, so CPU time (this process's, user and
system, which includes the database driver's side of each round trip but not the database server's) is printed
beside each.

1. Append: ``--notes`` notes added one unit of work each (queued on the incident's row, as every way in writes),
   timing the record's own work in each flush (its listener, timed by listeners registered around it: building
   the leaf, its canonical JSON and salted hashes, and the statements that move the log's head and insert the
   leaf), per entry (a note's flush appends one); and the whole unit with and without the record, for what a
   person waits for.
2. Verify: ``--incidents`` incidents declared in batches of 50 (``declare_many``, as the intake API batches them),
   each with ``--per-incident`` notes, a signed checkpoint, then :func:`incidents.record.verify.verify_database`
   over everything (what ``vigil verify --all`` runs), once to warm up and then timed, with the leaves per second
   and, extrapolated linearly from that count, the time for 100,000 incidents' worth of leaves.

Each part gets a fresh database (the first writes rows without the record, for comparison): PostgreSQL's dropped at
the end unless ``--keep``, SQLite's a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.bench_domain import bench_database
from incidents import lifecycle, timeline
from incidents.context import Ctx, Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.enums import Severity
from incidents.migrate import upgrade
from incidents.policy import load_policy
from incidents.privacy.scan import watch
from incidents.record import hook
from incidents.record.checkpoints import make_checkpoint
from incidents.record.models import RecordLeaf
from incidents.record.signing import Signer
from incidents.record.verify import verify_database
from incidents.timesource import SystemTime

APPEND_P99_TARGET_MS = 0.3
VERIFY_TARGET_S = 60.0
FULL_SCALE = 100_000
BACKENDS = ("postgresql", "sqlite")


@dataclass
class Samples:
    """Milliseconds per sample, by the wall clock and in this process's CPU time."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall_started: float, cpu_started: float) -> None:
        self.wall.append((time.perf_counter() - wall_started) * 1000)
        self.cpu.append((time.process_time() - cpu_started) * 1000)

    def clear(self) -> None:
        self.wall.clear()
        self.cpu.clear()

    def summary(self) -> str:
        return f"wall {_percentiles(self.wall)}; CPU {_percentiles(self.cpu)}"


def _percentiles(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):.3f} ms, p99 {_p99(samples):.3f} ms"


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _note(ctx: Ctx, *, ref: str, text: str) -> None:
    ctx.lock_incident(ref=ref)
    timeline.add_note(ctx, ref, actor="U_BENCH", text=text)


def _declare(ctx: Ctx, n: int) -> str:
    declaration = lifecycle.Declaration(
        actor="U_BENCH", title=f"Scam wave {n}", types=["fraud_scam"], severity=Severity.SEV3, region="EMEA"
    )
    return lifecycle.declare_many(ctx, [declaration])[0].ref


def _timed_units(domain: Domain, ref: str, count: int) -> Samples:
    samples = Samples()
    for n in range(count):
        wall, cpu = time.perf_counter(), time.process_time()
        domain.run(partial(_note, ref=ref, text=f"Host called back, attempt {n}."))
        samples.add(wall, cpu)
    return samples


def bench_append(url: str, notes: int) -> None:
    engine = make_engine(url)
    policy = load_policy()
    per_entry = Samples()
    timed: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    watch(timed)
    event.listen(
        timed,
        "after_flush",
        lambda session, _context: session.info.update(started=(time.perf_counter(), time.process_time())),
    )
    hook.watch(timed)  # flush listeners run in the order they were registered: the record's runs between the two
    event.listen(timed, "after_flush", lambda session, _context: per_entry.add(*session.info.pop("started")))
    domain = Domain(engine, timed, policy, SystemTime())
    unchained: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    watch(unchained)  # the personal-data scan only: a session as it was before the record
    plain = Domain(engine, unchained, policy, SystemTime())
    ref = domain.run(lambda ctx: _declare(ctx, 0))
    _timed_units(domain, ref, 50)  # warm-up: statement caches, connections
    per_entry.clear()
    chained = _timed_units(domain, ref, notes)
    other = plain.run(lambda ctx: _declare(ctx, 1))
    _timed_units(plain, other, 50)
    bare = _timed_units(plain, other, notes)
    name = engine.dialect.name
    met = _p99(per_entry.wall) < APPEND_P99_TARGET_MS
    print(f"{name}: append, per entry ({len(per_entry.wall)} notes, one entry each): {per_entry.summary()}")
    print(f"{name}:   target p99 < {APPEND_P99_TARGET_MS} ms (wall): {_verdict(met)}")
    print(f"{name}: a note's whole unit of work, with the record:    {chained.summary()}")
    print(f"{name}: a note's whole unit of work, without the record: {bare.summary()}")
    engine.dispose()


def bench_verify(url: str, incidents: int, per_incident: int) -> None:
    engine = make_engine(url)
    domain = Domain(engine, make_sessionmaker(engine), load_policy(), SystemTime())
    started = time.perf_counter()
    for first in range(0, incidents, 50):

        def batch(ctx: Ctx, first: int = first) -> None:
            declarations = [
                lifecycle.Declaration(
                    actor="U_BENCH", title=f"Scam wave {n}", types=["fraud_scam"], severity=Severity.SEV3
                )
                for n in range(first, min(first + 50, incidents))
            ]
            for incident in lifecycle.declare_many(ctx, declarations):
                for n in range(per_incident):
                    timeline.add_note(ctx, incident.ref, actor="U_BENCH", text=f"Update {n}: listing removed.")

        domain.run(batch)
    name = engine.dialect.name
    print(f"{name}: loaded {incidents:,} incidents in {time.perf_counter() - started:.0f} s")
    signer = Signer(Ed25519PrivateKey.generate())
    domain.run(lambda ctx: make_checkpoint(ctx, signer, "bench", anchored=False))
    with domain.unit() as ctx:
        leaves = ctx.session.scalar(select(func.count()).select_from(RecordLeaf)) or 0
    verify_database(engine, signer.public)  # warm-up: statement caches, connections
    gc.collect()
    gc.freeze()  # as `vigil verify` leaves what it loaded out of the collector's view (vigil.cli._loading)
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = verify_database(engine, signer.public)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    gc.unfreeze()
    assert outcome.holds, outcome.problems[:5]
    scale = FULL_SCALE / incidents
    print(
        f"{name}: verify --all: {leaves:,} leaves in {wall:.2f} s wall ({leaves / wall:,.0f} leaves/s), "
        f"{cpu:.2f} s CPU ({cpu / leaves * 1e6:.1f} µs per leaf); {outcome.summary}"
    )
    print(
        f"{name}:   extrapolated linearly to {FULL_SCALE:,} incidents of {leaves / incidents:.0f} leaves each "
        f"({leaves * scale:,.0f} leaves): {wall * scale:.0f} s wall, {cpu * scale:.0f} s CPU "
        f"(target < {VERIFY_TARGET_S:.0f} s: {_verdict(wall * scale < VERIFY_TARGET_S)})"
    )
    engine.dispose()


@contextmanager
def _database(backend: str, keep: bool) -> Iterator[str]:
    """A fresh, migrated database of ``backend``; yields its SQLAlchemy URL."""
    if backend == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        upgrade(url)
        yield url
        return
    with bench_database(keep) as libpq:
        url = libpq.replace("postgresql://", "postgresql+psycopg://", 1)
        upgrade(url)
        yield url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--notes", type=int, default=2000, help="notes appended one by one (default 2000)")
    parser.add_argument("--incidents", type=int, default=2000, help="incidents verified (default 2000)")
    parser.add_argument("--per-incident", type=int, default=5, help="notes per verified incident (default 5)")
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated, of postgresql and sqlite (default both)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = parser.parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    if unknown := set(backends) - set(BACKENDS):
        parser.error(f"unknown backends {', '.join(sorted(unknown))}: use postgresql, sqlite or both")
    parts: list[tuple[Callable[..., None], tuple[int, ...]]] = [
        (bench_append, (args.notes,)),
        (bench_verify, (args.incidents, args.per_incident)),
    ]
    for bench, arguments in parts:
        for backend in backends:
            with _database(backend, args.keep) as url:  # each its own: the first writes rows without the record
                bench(url, *arguments)


if __name__ == "__main__":
    main()
