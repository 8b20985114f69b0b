"""Times the ``vigil`` command as a person runs it: a new process per command, on a scratch SQLite database.

Usage: ``.venv/bin/python -m bench.bench_cli [--runs N] [--incidents N]``

Migrates a scratch database, declares a few incidents with notes, updates and actions, then runs each of
``vigil --help``, ``vigil list``, ``vigil show REF`` and ``vigil export`` as a subprocess ``--runs`` times and
prints the median and the slowest against the 300 ms target. Python caches compiled modules as it does on any
machine (in the scratch folder, so the working tree is untouched), and a warm-up run fills that cache first. For
scale, two floors: starting Python and doing nothing, and starting Python to import SQLAlchemy's ORM.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from incidents import actions, lifecycle, timeline
from incidents.context import Domain
from incidents.enums import Severity
from incidents.migrate import upgrade
from incidents.settings import load_settings

TARGET_MS = 300.0
TYPES = ("fraud_scam", "hate_harassment", "threat_violence", "account_takeover", "platform_outage")


def seed(url: str, incidents: int) -> str:
    """Declare ``incidents`` incidents with a little history each; return the reference of the last one."""
    upgrade(url)
    domain = Domain.from_settings(load_settings(database_url=url))
    ref = ""
    try:
        for n in range(incidents):
            with domain.unit() as ctx:
                incident = lifecycle.declare(
                    ctx,
                    actor="cli:bench",
                    title=f"Bench incident {n}: coordinated reports against a creator",
                    types=[TYPES[n % len(TYPES)]],
                    severity=list(Severity)[n % len(Severity)],
                    region="EMEA",
                    jurisdictions=["EU"],
                )
                ref = incident.ref
                for note in range(5):
                    timeline.add_note(ctx, ref, actor="cli:bench", text=f"Observation {note} from the queue")
                timeline.post_update(
                    ctx, ref, actor="cli:bench", summary="Rate limits applied", next_update_in=timedelta(hours=1)
                )
                actions.add_action(ctx, ref, actor="cli:bench", title="Detect the pattern earlier")
    finally:
        domain.engine.dispose()
    return ref


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return elapsed


def report(label: str, samples: list[float], *, target: bool = True) -> None:
    median = statistics.median(samples)
    verdict = ("ok" if median <= TARGET_MS else "MISSED") if target else "(floor)"
    print(f"{label:<40} {median:>7.1f}ms {max(samples):>7.1f}ms  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--incidents", type=int, default=30, help="incidents in the scratch database (default 30)")
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="vigil-bench-cli-"))
    try:
        url = f"sqlite:///{scratch / 'vigil.db'}"
        ref = seed(url, options.incidents)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"VIGIL_DATABASE_URL": url, "PYTHONPYCACHEPREFIX": str(scratch / "pycache")}
        script = Path(sys.executable).with_name("vigil")
        vigil = [str(script)] if script.exists() else [sys.executable, "-m", "vigil"]
        commands = {
            "vigil --help": [*vigil, "--help"],
            "vigil list": [*vigil, "list"],
            f"vigil show {ref}": [*vigil, "show", ref],
            "vigil export": [*vigil, "export"],
        }
        floors = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import sqlalchemy.orm'": [sys.executable, "-c", "import sqlalchemy.orm"],
        }
        print(f"{options.incidents} incidents, {options.runs} runs each, target {TARGET_MS:.0f} ms (median)")
        print(f"{'command':<40} {'median':>9} {'max':>9}")
        for group, target in ((commands, True), (floors, False)):
            for label, command in group.items():
                timed(command, env, scratch)  # warm-up: fills the bytecode cache
                report(label, [timed(command, env, scratch) for _ in range(options.runs)], target=target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
