"""Times an evidence package of a 10,000-entry incident (target: under 10 s), and checking it.

Usage: ``.venv/bin/python -m bench.bench_evidence [--sqlite] [--runs 3] [--keep]``

The incident is :func:`bench.bench_reviews.build`'s (10,000 timeline entries, 400 status updates, 200 actions, each
a leaf of its log). Each run is what ``vigil evidence REF --matter … -o DIR`` does: the unit of work that audits the
export, reads and renders everything (both reviews, both formats), makes the checkpoint, proves every leaf and
verifies the incident's record against its rows; then the bag is written and sealed. ``vigil evidence verify``'s
check of the package is timed after. A fresh PostgreSQL database (dropped at the end unless ``--keep``), or an
SQLite file with ``--sqlite``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.bench_domain import bench_database
from bench.bench_reviews import START, build
from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.migrate import upgrade
from incidents.policy import load_policy
from incidents.record.evidence.bag import write_package
from incidents.record.evidence.check import check_package
from incidents.record.evidence.contents import Package, export_evidence
from incidents.record.signing import Signer
from incidents.reviews import load_templates
from incidents.timesource import ManualTime

TARGET_S = 10.0


def _export(domain: Domain, ref: str, signer: Signer) -> Package:
    templates = load_templates()
    return domain.run(
        lambda ctx: export_evidence(
            ctx,
            ref,
            actor="U0000",
            matter="Bench v. Platform",
            personal_data=False,
            signer=signer,
            templates=templates,
            anchored=False,
        )
    )


def bench(url: str, runs: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    time_source = ManualTime(START)
    domain = Domain(engine, make_sessionmaker(engine), load_policy(), time_source)
    ref = build(domain, time_source)
    signer = Signer(Ed25519PrivateKey.generate())
    totals, gathers, writes, checks = [], [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(runs):
            began = time.perf_counter()
            package = _export(domain, ref, signer)
            gathered = time.perf_counter()
            files = write_package(package, Path(scratch) / f"package-{run}", signer)
            written = time.perf_counter()
            report = check_package(Path(scratch) / f"package-{run}")
            checked = time.perf_counter()
            assert report.holds, report.problems
            totals.append(written - began)
            gathers.append(gathered - began)
            writes.append(written - gathered)
            checks.append(checked - written)
            size = sum(len(content) for content in package.files.values())
            print(
                f"run {run + 1}: {package.entries:,} record entries, {files} files, {size / 1e6:.1f} MB: "
                f"export {gathered - began:.2f} s + bag and seal {written - gathered:.2f} s = "
                f"{written - began:.2f} s; check {checked - written:.2f} s"
            )
    median = statistics.median(totals)
    print(
        f"{engine.dialect.name}: package of a 10,000-entry incident, median {median:.2f} s (export "
        f"{statistics.median(gathers):.2f} s, bag {statistics.median(writes):.2f} s), check "
        f"{statistics.median(checks):.2f} s; target < {TARGET_S:.0f} s: {'met' if median < TARGET_S else 'MISSED'}"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sqlite", action="store_true", help="an SQLite file instead of PostgreSQL")
    parser.add_argument("--runs", type=int, default=3, help="packages to make (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    sqlite = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    database: AbstractContextManager[str] = nullcontext(sqlite) if args.sqlite else bench_database(args.keep)
    with database as url:
        bench(url, args.runs)


if __name__ == "__main__":
    main()
