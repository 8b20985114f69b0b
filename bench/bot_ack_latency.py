"""Ack latency of /incident under load: RATE commands per second for DURATION seconds, PostgreSQL, emulator
adding LATENCY ms to every Web API call (so the card refreshes the commands cause are slow, as in Slack).

Each command is `/incident note ...` in one of five incident channels: a real write (timeline entry, audit
event, outbox row), acknowledged at once and confirmed to the person through the command's
response_url. Prints p50/p99/max and how many acks missed Slack's 3 s.

    .venv/bin/python -m bench.bot_ack_latency [--rate 50] [--duration 20] [--latency 100]
"""

from __future__ import annotations

import argparse
import time

from bench.bot_common import percentiles, running_bot


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--latency", type=float, default=100)
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    with running_bot(args.backend, latency_ms=args.latency) as bench:
        emu = bench.emu
        channels = []
        for n in range(5):
            emu.slash_command(bench.alice, bench.general, f"declare SEV3 type:fraud_scam Load test {n}")
        emu.wait_for(lambda: bench.pending() == 0, timeout=60)
        with bench.domain.unit() as ctx:
            from incidents.queries import list_incidents

            channels = [i.slack_channel_id for i in list_incidents(ctx)]
        total = int(args.rate * args.duration)
        interval = 1.0 / args.rate
        futures = []
        start = time.monotonic()
        for n in range(total):
            delay = start + n * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(emu.slash_command_nowait(bench.alice, channels[n % len(channels)], f"note load {n}"))
        acks = [f.result(timeout=30) for f in futures]
        sent_for = time.monotonic() - start
        latencies = [a.ack_ms for a in acks if a.ack_ms is not None]
        late = sum(1 for a in acks if a.timed_out)
        emu.wait_for(lambda: len(emu.responses) >= total, timeout=120)
        answered_at = time.monotonic()
        replies = [" ".join(str(p.text) for p in emu.replies_to(a)) for a in acks]
        failed = [reply for reply in replies if "Noted" not in reply]
        print(
            f"{args.backend}, {args.latency:.0f} ms per Web API call, {total} commands in {sent_for:.1f} s "
            f"({total / sent_for:.1f}/s)"
        )
        print(f"ack latency: {percentiles(latencies)}; past 3 s: {late}")
        print(
            f"replies (through response_url): {total - len(failed)} confirmed, {len(failed)} refused {failed[:2]}; "
            f"the last {answered_at - start - sent_for:.1f} s after the last command"
        )
        emu.wait_for(lambda: bench.pending() == 0, timeout=300)


if __name__ == "__main__":
    main()
