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

from bench.bot_common import running_bot

READY = ("conversations.create", "conversations.invite", "conversations.setTopic", "chat.postMessage", "pins.add")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--latency", type=float, default=100)
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    with running_bot(args.backend, latency_ms=args.latency) as bench:
        emu = bench.emu
        measured, create_after_ack = [], []
        for n in range(args.runs):
            before = len(emu.calls)
            sent = time.monotonic()
            ack = emu.slash_command(bench.alice, bench.general, f"declare SEV2 type:fraud_scam Path run {n}")
            assert ack.ack_ms is not None
            emu.wait_for(lambda: bench.pending() == 0, timeout=60)
            calls = emu.calls[before:]
            pins = [c for c in calls if c.method == "pins.add" and c.ok]
            posts = [c for c in calls if c.method == "chat.postMessage" and c.ok]
            assert pins and len(posts) >= 2, "card and announcement expected"
            done = max(c.finished_at for c in calls if c.method in READY and c.ok)
            created = min(c.started_at for c in calls if c.method == "conversations.create")
            measured.append((done - sent) * 1000)
            create_after_ack.append((created - sent) * 1000 - ack.ack_ms)
            time.sleep(0.2)
        critical = 3 * args.latency
        median = statistics.median(measured)
        print(f"{args.backend}, {args.latency:.0f} ms per Web API call, {args.runs} declares")
        print(f"critical path (create → post card → pin): {critical:.0f} ms")
        print(
            f"measured envelope → channel ready: median {median:.0f} ms, "
            f"min {min(measured):.0f}, max {max(measured):.0f} "
            f"({median / critical:.2f} times the critical path; target 1.10)"
        )
        print(f"conversations.create left {statistics.median(create_after_ack):.0f} ms after the ack (median)")


if __name__ == "__main__":
    main()
