"""Declare → channel ready with a 30-step playbook against none, with the emulator adding LATENCY ms to every
Web API call.

Two bots run side by side, each ``vigil serve`` with its own policy file (a temporary one: the shipped pack with
``playbooks`` replaced by one 30-step playbook for fraud_scam, or by none), database and emulator. Declares
alternate between them, so load from elsewhere on the machine weighs on both alike. "Ready" and the moments are
those of :mod:`bench.bot_declare_path`; the issue's target is channel ready within 1.1x the critical path.

    .venv/bin/python -m bench.bench_playbook [--runs 10] [--latency 100] [--steps 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import func, select

from bench.bot_common import Bench, running_bot
from bench.bot_declare_path import TARGET, declare_to_ready
from incidents.tasks.models import Task

POLICY_FILE = "VIGIL_POLICY_FILE"


def policy_yaml(steps: int) -> str:
    """A pack whose only playbook gives every fraud_scam incident ``steps`` steps (every fifth counts from the one
    before it, as real playbooks chain a hold to a report); ``steps`` 0 is a pack without playbooks."""
    if steps == 0:
        return "playbooks: {}\n"
    lines = [
        "playbooks:",
        "  bench:",
        "    type: fraud_scam",
        "    source: 'https://example.org/bench-playbook'",
        "    last_verified: 2026-12-03",
        "    steps:",
    ]
    for n in range(1, steps + 1):
        after = f", after: s{n - 1}" if n % 5 == 0 else ""
        lines.append(f"      - {{key: s{n}, owner_role: commander, due: {n}h{after}, text: 'Bench step {n}'}}")
    return "\n".join(lines) + "\n"


@contextmanager
def bot_with_playbook(directory: Path, steps: int, backend: str, latency_ms: float) -> Iterator[Bench]:
    """A bot whose policy file gives fraud_scam ``steps`` steps (the variable is read when the bot starts)."""
    path = directory / f"policy-{steps}.yaml"
    path.write_text(policy_yaml(steps), encoding="utf-8")
    before = os.environ.get(POLICY_FILE)
    os.environ[POLICY_FILE] = str(path)
    try:
        with running_bot(backend, latency_ms=latency_ms) as bench:
            yield bench
    finally:
        if before is None:
            os.environ.pop(POLICY_FILE, None)
        else:
            os.environ[POLICY_FILE] = before


def steps_added(bench: Bench) -> int:
    with bench.domain.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(Task)) or 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--latency", type=float, default=100)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        bots = {
            count: stack.enter_context(bot_with_playbook(Path(tmp), count, args.backend, args.latency))
            for count in (0, args.steps)
        }
        measured: dict[int, list[float]] = {count: [] for count in bots}
        for n in range(args.runs):
            for count, bench in bots.items():
                measured[count].append(declare_to_ready(bench, f"Playbook run {n}").ready_ms)
                time.sleep(0.2)
        for count, bench in bots.items():
            assert steps_added(bench) == count * args.runs, f"{count}-step playbook: {steps_added(bench)} steps"
    critical = 3 * args.latency
    medians = {count: statistics.median(values) for count, values in measured.items()}
    print(f"{args.backend}, {args.latency:.0f} ms per Web API call, {args.runs} declares each, alternating")
    print(f"critical path (create → post card → pin): {critical:.0f} ms; target ≤ {TARGET * critical:.0f} ms")
    for count, values in measured.items():
        label = f"{count}-step playbook" if count else "no playbook"
        print(
            f"{label:>16}: envelope → channel ready median {medians[count]:.0f} ms, min {min(values):.0f}, "
            f"max {max(values):.0f} ({medians[count] / critical:.2f}x the critical path)"
        )
    print(f"ratio {args.steps}-step / none (medians): {medians[args.steps] / medians[0]:.2f}")


if __name__ == "__main__":
    main()
