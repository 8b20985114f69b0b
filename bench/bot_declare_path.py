"""Declare → channel ready, with the emulator adding LATENCY ms to every Web API call.

"Ready" = channel created, declarer invited, topic set, card posted and pinned, announced. The dependent chain
is create → post card → pin (3 calls); everything else runs beside it. Measured as Slack sees it, from the moment
the command's envelope leaves Slack (over loopback it reaches Vigil within a fraction of a millisecond) to the end
of the last of those calls, per declare, over RUNS sequential declares. Vigil commits the declare before it acks,
so "create left after the ack" bounds how long provisioning takes to start after the commit.

    .venv/bin/python -m bench.bot_declare_path [--runs 10] [--latency 100]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

from bench.bot_common import Bench, running_bot

TARGET = 1.1
"""The issue's target: channel ready within this many times the critical path."""

READY = ("conversations.create", "conversations.invite", "conversations.setTopic", "chat.postMessage", "pins.add")


@dataclass(frozen=True)
class Declared:
    ready_ms: float
    """From the envelope leaving Slack to the last call that makes the channel ready."""
    create_after_ack_ms: float
    """From the ack reaching Slack to ``conversations.create`` leaving Vigil."""


def declare_to_ready(bench: Bench, title: str) -> Declared:
    emu = bench.emu
    before = len(emu.calls)
    sent = time.monotonic()
    ack = emu.slash_command(bench.alice, bench.general, f"declare SEV2 type:fraud_scam {title}")
    assert ack.ack_ms is not None
    emu.wait_for(lambda: bench.pending() == 0, timeout=60)
    calls = emu.calls[before:]
    assert any(c.method == "pins.add" and c.ok for c in calls), "a pinned card expected"
    done = max(c.finished_at for c in calls if c.method in READY and c.ok)
    created = min(c.started_at for c in calls if c.method == "conversations.create")
    return Declared((done - sent) * 1000, (created - sent) * 1000 - ack.ack_ms)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--latency", type=float, default=100)
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    with running_bot(args.backend, latency_ms=args.latency) as bench:
        runs = []
        for n in range(args.runs):
            runs.append(declare_to_ready(bench, f"Path run {n}"))
            assert len(bench.emu.messages(bench.announce)) == n + 1, "an announcement expected"
            time.sleep(0.2)
    measured = [r.ready_ms for r in runs]
    critical = 3 * args.latency
    median = statistics.median(measured)
    print(f"{args.backend}, {args.latency:.0f} ms per Web API call, {args.runs} declares")
    print(f"critical path (create → post card → pin): {critical:.0f} ms")
    print(
        f"measured envelope → channel ready: median {median:.0f} ms, "
        f"min {min(measured):.0f}, max {max(measured):.0f} "
        f"({median / critical:.2f} times the critical path; target {TARGET:.2f})"
    )
    after_ack = statistics.median(r.create_after_ack_ms for r in runs)
    print(f"conversations.create left {after_ack:.0f} ms after the ack (median)")


if __name__ == "__main__":
    main()
