"""Ack latency of /incident under load: RATE requests per second for DURATION seconds, PostgreSQL, emulator
adding LATENCY ms to every Web API call (so the card refreshes the commands cause are slow, as in Slack).

Most requests are `/incident note ...` in one of five incident channels: a real write (timeline entry,
audit event, outbox row), acknowledged at once and confirmed to the person through the command's response_url.
One a second (``--homes``) is an `app_home_opened` event (the open incidents the person may see, published
with views.publish, whose Tier 4 limit, 100+ a minute, the emulator enforces).
Prints p50/p99/max, overall and per kind, and how many acks missed Slack's 3 s.

With ``--modal`` every request is a bare `/incident`, which opens the declare modal (acked at once; the modal is
opened after the ack with views.open, whose Tier 4 limit the emulator enforces): the issue's target is an ack
p99 of 25 ms at 100/s for 90 s.

    .venv/bin/python -m bench.bot_ack_latency [--rate 50] [--duration 20] [--latency 100]
    .venv/bin/python -m bench.bot_ack_latency --modal --rate 100 --duration 90
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
    parser.add_argument("--homes", type=int, default=1, help="App Home opens per second (0: notes only)")
    parser.add_argument("--modal", action="store_true", help="bare /incident commands, each opening the modal")
    args = parser.parse_args()
    if args.modal:
        modals(args)
        return
    with running_bot(args.backend, latency_ms=args.latency) as bench:
        emu = bench.emu
        channels: list[str] = []
        for n in range(5):
            emu.slash_command(bench.alice, bench.general, f"declare SEV3 type:fraud_scam Load test {n}")
        emu.wait_for(lambda: bench.pending() == 0, timeout=60)
        with bench.domain.unit() as ctx:
            from incidents.queries import list_incidents

            channels = [i.slack_channel_id for i in list_incidents(ctx) if i.slack_channel_id]
        total = int(args.rate * args.duration)
        interval = 1.0 / args.rate
        notes, homes = [], []
        start = time.monotonic()
        for n in range(total):
            delay = start + n * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if args.homes and n % round(args.rate / args.homes) == 0:
                homes.append(emu.event_nowait({"type": "app_home_opened", "user": bench.alice, "tab": "home"}))
            else:
                notes.append(emu.slash_command_nowait(bench.alice, channels[n % len(channels)], f"note load {n}"))
        note_acks = [f.result(timeout=30) for f in notes]
        home_acks = [f.result(timeout=30) for f in homes]
        sent_for = time.monotonic() - start
        late = sum(1 for a in note_acks + home_acks if a.timed_out)
        emu.wait_for(lambda: len(emu.responses) >= len(note_acks), timeout=120)
        answered_at = time.monotonic()
        replies = [" ".join(str(p.text) for p in emu.replies_to(a)) for a in note_acks]
        failed = [reply for reply in replies if "Noted" not in reply]
        print(
            f"{args.backend}, {args.latency:.0f} ms per Web API call, {total} requests in {sent_for:.1f} s "
            f"({total / sent_for:.1f}/s): {len(note_acks)} notes, {len(home_acks)} App Home opens"
        )
        for kind, acks in (("all", note_acks + home_acks), ("notes", note_acks), ("App Home", home_acks)):
            print(f"ack latency, {kind}: {percentiles([a.ack_ms for a in acks if a.ack_ms is not None])}")
        print(f"past 3 s: {late}")
        print(
            f"notes confirmed through response_url: {len(note_acks) - len(failed)}, refused {len(failed)} "
            f"{failed[:2]}; the last {answered_at - start - sent_for:.1f} s after the last request"
        )
        emu.wait_for(lambda: bench.pending() == 0, timeout=300)


def modals(args: argparse.Namespace) -> None:
    with running_bot(args.backend, latency_ms=args.latency) as bench:
        emu = bench.emu
        total = int(args.rate * args.duration)
        interval = 1.0 / args.rate
        sent = []
        start = time.monotonic()
        for n in range(total):
            delay = start + n * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent.append(emu.slash_command_nowait(bench.alice, bench.general, ""))
        acks = [f.result(timeout=30) for f in sent]
        sent_for = time.monotonic() - start
        time.sleep(2)  # the last modals open after their acks
        opens = emu.calls_to("views.open")
        print(
            f"{args.backend}, {args.latency:.0f} ms per Web API call, {total} bare /incident in {sent_for:.1f} s "
            f"({total / sent_for:.1f}/s)"
        )
        print(f"ack latency: {percentiles([a.ack_ms for a in acks if a.ack_ms is not None])} (target p99 25 ms)")
        print(f"past 3 s: {sum(1 for a in acks if a.timed_out)}")
        refused = sum(1 for c in opens if not c.ok)
        print(f"views.open: {len(opens) - refused} opened, {refused} refused (Slack's Tier 4 limit or expired)")


if __name__ == "__main__":
    main()
