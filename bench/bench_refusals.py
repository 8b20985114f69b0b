"""Times a refused restricted incident against a reference never issued, as the web view answers both, and prints
the medians: they should match, whatever the hidden incident's history (the decision is made from one light row
before anything is loaded, :mod:`incidents.access.reading`).

Usage: ``.venv/bin/python -m bench.bench_refusals [--timeline N] [--runs N]`` (a scratch SQLite database;
``VIGIL_BENCH_URL`` names another, e.g. an empty PostgreSQL database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert

from incidents import lifecycle
from incidents.access import make_viewer
from incidents.access.reading import open_incident
from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.enums import Severity, Tier, TimelineKind
from incidents.errors import NotFound
from incidents.migrate import upgrade
from incidents.models import TimelineEntry
from incidents.policy import load_policy
from incidents.timesource import SystemTime

MEMBER, OUTSIDER = "U0MEMBER", "U0OUTSIDER"


def timed(read: Callable[[], object], runs: int, warmup: int = 20) -> float:
    """The median milliseconds of ``read``."""
    samples = []
    for n in range(warmup + runs):
        started = time.perf_counter()
        read()
        if n >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeline", type=int, default=2_000, help="entries on the hidden incident (default 2000)")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = os.environ.get("VIGIL_BENCH_URL") or f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        domain = Domain(engine, make_sessionmaker(engine), load_policy(), SystemTime())
        with domain.unit() as ctx:
            incident = lifecycle.declare(
                ctx, actor=MEMBER, title="Hidden case", types=["fraud_scam"], severity=Severity.SEV2,
                tier=Tier.RESTRICTED,
            )  # fmt: skip
            ref, incident_id, now = incident.ref, incident.id, ctx.now()
            rows = [
                {"incident_id": incident_id, "at": now, "kind": TimelineKind.NOTE, "author": MEMBER,
                 "text": f"Entry {n}", "seq": n + 10, "recorded_at": now}
                for n in range(args.timeline)
            ]  # fmt: skip
            ctx.session.execute(insert(TimelineEntry), rows)
        outsider = make_viewer(OUTSIDER, "Olly", None, ())
        member = make_viewer(MEMBER, "Maya", None, ())

        def refused(asked: str) -> Callable[[], object]:
            def read() -> object:
                try:
                    with domain.unit() as ctx:
                        return open_incident(ctx, asked, outsider)
                except NotFound:
                    return None

            return read

        def shown() -> object:
            with domain.unit() as ctx:
                return open_incident(ctx, ref, member)

        hidden, missing = timed(refused(ref), args.runs), timed(refused("INC-2026-9999"), args.runs)
        allowed = timed(shown, max(20, args.runs // 10))
        engine.dispose()
    print(f"refused restricted incident ({args.timeline} entries): {hidden:6.2f} ms median")
    print(f"reference never issued:                  {missing:6.2f} ms median")
    print(f"(shown to a member, history loaded:      {allowed:6.2f} ms median)")


if __name__ == "__main__":
    main()
