"""Times the domain's real reads on a production-sized PostgreSQL database and prints the figures.

Usage: ``.venv/bin/python -m bench.bench_domain [--incidents N] [--timeline N] [--runs N] [--keep]``

Creates ``vigil_bench_<random>``, migrates it with Alembic, bulk-loads :mod:`bench.dataset`, runs VACUUM ANALYZE,
then times each read (a whole unit of work: session, query, loading, commit) after warm-up and prints the median
against the 100 ms target. The database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import psycopg

from bench.dataset import BIG_TIMELINE, TYPICAL_TIMELINE, load
from incidents.context import Ctx, Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.figures import resolve_time_by_severity_month
from incidents.migrate import upgrade
from incidents.policy import load_policy
from incidents.queries import IncidentFilter, incident_to_show, list_incidents
from incidents.timesource import SystemTime

TARGET_MS = 100.0
ADMIN_URL = os.environ.get("VIGIL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def bench_database(keep: bool) -> Iterator[str]:
    """A new empty PostgreSQL database; yields its libpq URL."""
    name = f"vigil_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        yield url
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(domain: Domain, read: Callable[[Ctx], object], runs: int, warmup: int) -> list[float]:
    """Milliseconds per run of ``read`` inside its own unit of work."""
    samples = []
    for n in range(warmup + runs):
        started = time.perf_counter()
        with domain.unit() as ctx:
            read(ctx)
        if n >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _open_list(ctx: Ctx) -> list[tuple[str, str | None]]:
    return [(i.ref, i.commander) for i in list_incidents(ctx, IncidentFilter(open_only=True), limit=50)]


def _open_list_for(person: str) -> Callable[[Ctx], object]:
    def read(ctx: Ctx) -> list[tuple[str, str | None]]:
        f = IncidentFilter(open_only=True, visible_to=person)
        return [(i.ref, i.commander) for i in list_incidents(ctx, f, limit=50)]

    return read


def _history(ref: str, expected: int) -> Callable[[Ctx], object]:
    def read(ctx: Ctx) -> int:
        incident = incident_to_show(ctx, ref)
        assert len(incident.timeline) == expected, (ref, len(incident.timeline))
        return len(incident.timeline) + len(incident.roles) + len(incident.actions) + len(incident.updates)

    return read


def load_fresh(url: str, args: argparse.Namespace, now: datetime) -> tuple[str, str]:
    """Migrate and fill the new database; returns the probe references (typical, big)."""
    started = time.perf_counter()
    upgrade(url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrated = time.perf_counter()
    loaded = load(url, load_policy(), incidents=args.incidents, timeline=args.timeline, now=now, seed=args.seed)
    copied = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    analysed = time.perf_counter()
    print(f"migrate {migrated - started:.1f} s, COPY {copied - migrated:.1f} s, VACUUM ANALYZE "
          f"{analysed - copied:.1f} s: load {analysed - started:.1f} s in all")  # fmt: skip
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in loaded.rows.items()))
    return loaded.typical_ref, loaded.big_ref


def find_probes(url: str) -> tuple[str, str]:
    """The probe references of a database kept by an earlier run (``--database``)."""
    query = (
        "SELECT min(ref) FROM (SELECT i.ref FROM incidents i JOIN timeline_entries t ON t.incident_id = i.id "
        "GROUP BY i.ref HAVING count(*) = %s) AS sized"
    )
    with psycopg.connect(url) as conn:
        typical, big = (conn.execute(query, (size,)).fetchone() for size in (TYPICAL_TIMELINE, BIG_TIMELINE))
    assert typical and big and typical[0] and big[0], "not a database loaded by this benchmark"
    return typical[0], big[0]


def measure(url: str, typical: str, big: str, args: argparse.Namespace) -> None:
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    domain = Domain(engine, make_sessionmaker(engine), load_policy(), SystemTime())
    recent = datetime.now(UTC) - timedelta(days=90)
    reads: list[tuple[str, Callable[[Ctx], object]]] = [
        ("(a) open incidents, first 50, with commander", _open_list),
        ("(a') same, as seen by one responder (tiers)", _open_list_for("U00000007")),
        (f"(b) {typical}, full history ({TYPICAL_TIMELINE} entries)", _history(typical, TYPICAL_TIMELINE)),
        (f"(b') {big}, full history ({BIG_TIMELINE:,} entries)", _history(big, BIG_TIMELINE)),
        ("(c) median time-to-resolve / severity / month", resolve_time_by_severity_month),
        ("(c') same, last 90 days", lambda ctx: resolve_time_by_severity_month(ctx, recent)),
    ]
    load1, load5, _ = os.getloadavg()
    print(f"\n{args.runs} runs after {args.warmup} warm-up; load average {load1:.1f} (1 min), {load5:.1f} (5 min)")
    print(f"{'read':<52} {'median':>9} {'min':>9} {'max':>9}  target {TARGET_MS:.0f} ms")
    for label, read in reads:
        samples = timed(domain, read, args.runs, args.warmup)
        median = statistics.median(samples)
        verdict = "ok" if median < TARGET_MS else "MISSED"
        print(f"{label:<52} {median:>7.1f}ms {min(samples):>7.1f}ms {max(samples):>7.1f}ms  {verdict}")
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--timeline", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--database", help="measure a database kept by an earlier run instead of loading one")
    args = parser.parse_args(argv)

    if args.database:
        url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{args.database}"
        measure(url, *find_probes(url), args)
        return
    with bench_database(args.keep) as url:
        measure(url, *load_fresh(url, args, datetime.now(UTC).replace(microsecond=0)), args)


if __name__ == "__main__":
    main()
