"""Times the record on PostgreSQL: what appending leaves adds to a write, and how long ``vigil verify --all`` takes.

Usage: ``.venv/bin/python -m bench.bench_record [--notes 2000] [--incidents 2000] [--per-incident 5] [--keep]``

1. Append: ``--notes`` notes added one unit of work each (queued on the incident's row, as every way in writes),
   timing the record's own work in each flush (its listener, timed by listeners registered around it: building
   the leaf, its canonical JSON and salted hashes, and the two statements that lock the log's head, then insert
   the leaf and move the head), per leaf; and the whole unit with and without the record, for what a person
   waits for.
2. Verify: ``--incidents`` incidents declared in batches of 50 (``declare_many``, as the intake API batches them),
   each with ``--per-incident`` notes, a signed checkpoint, then :func:`incidents.record.verify.verify_database`
   over everything (what ``vigil verify --all`` runs), timed, with the leaves per second and the time that rate
   gives for 100,000 incidents' worth of leaves.

Each part gets a fresh database (the first writes rows without the record, for comparison), dropped at the end
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

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


def _percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples):.3f} ms, p99 {cuts[98]:.3f} ms"


def _declare(ctx: Ctx, n: int) -> str:
    declaration = lifecycle.Declaration(
        actor="U_BENCH", title=f"Scam wave {n}", types=["fraud_scam"], severity=Severity.SEV3, region="EMEA"
    )
    return lifecycle.declare_many(ctx, [declaration])[0].ref


def _note(ctx: Ctx, *, ref: str, text: str) -> None:
    ctx.lock_incident(ref=ref)
    timeline.add_note(ctx, ref, actor="U_BENCH", text=text)


def _timed_units(domain: Domain, ref: str, count: int) -> list[float]:
    samples = []
    for n in range(count):
        started = time.perf_counter()
        domain.run(partial(_note, ref=ref, text=f"Host called back, attempt {n}."))
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def bench_append(url: str, notes: int) -> None:
    engine = make_engine(url)
    policy = load_policy()
    per_leaf: list[float] = []
    timed: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    watch(timed)
    event.listen(timed, "after_flush", lambda session, _context: session.info.update(started=time.perf_counter()))
    hook.watch(timed)  # flush listeners run in the order they were registered: the record's runs between the two
    event.listen(timed, "after_flush", lambda session, _context: per_leaf.append(_since(session)))
    domain = Domain(engine, timed, policy, SystemTime())
    unchained: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    watch(unchained)  # the personal-data scan only: a session as it was before the record
    plain = Domain(engine, unchained, policy, SystemTime())
    ref = domain.run(lambda ctx: _declare(ctx, 0))
    _timed_units(domain, ref, 50)  # warm-up: statement caches, connections
    per_leaf.clear()
    chained = _timed_units(domain, ref, notes)
    other = plain.run(lambda ctx: _declare(ctx, 1))
    _timed_units(plain, other, 50)
    bare = _timed_units(plain, other, notes)
    target = "met" if statistics.quantiles(per_leaf, n=100)[98] < APPEND_P99_TARGET_MS else "MISSED"
    print(
        f"append, per leaf ({len(per_leaf)} notes): {_percentiles(per_leaf)} "
        f"(target p99 < {APPEND_P99_TARGET_MS} ms: {target})"
    )
    print(f"a note's whole unit of work, with the record:    {_percentiles(chained)}")
    print(f"a note's whole unit of work, without the record: {_percentiles(bare)}")
    engine.dispose()


def _since(session: Session) -> float:
    """Milliseconds since the flush's first listener ran: a note's flush appends one leaf (its timeline entry; the
    incident's row changes only in columns the record leaves out)."""
    return (time.perf_counter() - float(session.info.pop("started"))) * 1000


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
    print(f"loaded {incidents:,} incidents in {time.perf_counter() - started:.0f} s")
    signer = Signer(Ed25519PrivateKey.generate())
    domain.run(lambda ctx: make_checkpoint(ctx, signer, "bench", anchored=False))
    with domain.unit() as ctx:
        leaves = ctx.session.scalar(select(func.count()).select_from(RecordLeaf)) or 0
    started = time.perf_counter()
    outcome = verify_database(engine, signer.public)
    took = time.perf_counter() - started
    assert outcome.holds, outcome.problems[:5]
    per_incident_leaves = leaves / incidents
    full = took / incidents * FULL_SCALE
    verdict = "met" if full < VERIFY_TARGET_S else "MISSED"
    print(f"verify --all: {leaves:,} leaves in {took:.1f} s ({leaves / took:,.0f} leaves/s); {outcome.summary}")
    print(
        f"at that rate, {FULL_SCALE:,} incidents of {per_incident_leaves:.0f} leaves each: {full:.0f} s "
        f"(target < {VERIFY_TARGET_S:.0f} s: {verdict})"
    )
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--per-incident", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    for bench, arguments in ((bench_append, (args.notes,)), (bench_verify, (args.incidents, args.per_incident))):
        with bench_database(args.keep) as url:  # each its own: the first writes some rows without the record
            sqlalchemy_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
            upgrade(sqlalchemy_url)
            bench(sqlalchemy_url, *arguments)


if __name__ == "__main__":
    main()
