"""COUNT declares within one minute with Slack's per-method rate-limit tiers enforced (429 + Retry-After):
every incident must end with its channel, card, pin and announcement, and no outbox row may be lost.

The emulator's one-minute window can be shrunk (--window) to run faster; limits scale with it.

    .venv/bin/python -m bench.bot_rate_limits [--count 40] [--over 60] [--window 60]
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import func, select

from bench.bot_common import running_bot
from incidents.outbox import OutboxMessage


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--over", type=float, default=60, help="seconds over which the declares are spread")
    parser.add_argument("--window", type=float, default=60, help="the emulator's rate-limit window in seconds")
    parser.add_argument("--latency", type=float, default=0)
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    with running_bot(args.backend, latency_ms=args.latency, rate_limit_window_s=args.window) as bench:
        emu = bench.emu
        start = time.monotonic()
        for n in range(args.count):
            delay = start + n * args.over / args.count - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            emu.slash_command_nowait(bench.alice, bench.general, f"declare SEV3 type:fraud_scam Burst {n}")
        emu.wait_for(lambda: bench.pending() == 0, timeout=900)
        elapsed = time.monotonic() - start
        channels = [c for c in emu.channels.values() if c.name.startswith("inc-")]
        pinned = sum(1 for c in channels if len(emu.pins(c.id)) == 1)
        limited = [c for c in emu.calls if c.status == 429]
        with bench.domain.unit() as ctx:
            states = dict(
                ctx.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
            )
        print(f"{args.count} declares over {args.over:.0f} s; rate-limit window {args.window:.0f} s")
        print(
            f"channels {len(channels)}/{args.count}, cards pinned {pinned}, "
            f"announcements {len(emu.messages(bench.announce))}"
        )
        by_method: dict[str, int] = {}
        for call in limited:
            by_method[call.method] = by_method.get(call.method, 0) + 1
        print(f"429 answers: {len(limited)} {by_method}; outbox {states}; all done after {elapsed:.1f} s")


if __name__ == "__main__":
    main()
