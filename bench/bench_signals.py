"""Sends a wave of signals through ``POST /api/v1/signals`` on PostgreSQL and prints latency, CPU and count checks.

Usage: ``.venv/bin/python -m bench.bench_signals [--rate 500] [--seconds 60] [--batch 1] [--replicas 2]
[--groups 50] [--group-reports 3000] [--unique-text] [--py-spy PATH]``

Creates a fresh PostgreSQL database and starts ``--replicas`` API replicas as :mod:`bench.bench_api` does (its
``--serve`` entry point), each with an outbox dispatcher for the signals' own work (threshold checks and timeline
notes, as ``vigil serve`` runs them). Then, open-loop from this process (the load generator):

1. The wave: ``rate * seconds`` reports about one target (same type and subject), each with its own
   ``external_ref``, plus 1% repeats of a report sent up to two seconds earlier (so some originals are still in
   flight on the other replica), ``--batch`` reports per call. 30% are phoned in, each with a call note of its
   own words (a third with a phone number, a third with an e-mail); the rest are flagged in an app, with one of
   its report reasons or nothing typed. ``--unique-text`` phones them all in. Checks: one row per unique report,
   one group, one incident; then a dispatcher with :func:`incidents.signals.delivery.signal_handlers` drains the
   notes and the ``count`` of the incident's ``signals`` timeline entries must add up to the rows.
2. ``--groups`` subjects interleaved (``--group-reports`` in all, at the same rate): that many groups, each holding
   exactly the reports sent about its subject, and (when they cross the threshold) the same count on its card.

Latency is per call, from its scheduled time (the time its last report was due) to the answer; CPU per signal from
the replicas' /proc counters. ``--py-spy`` samples replica 0 in each phase and prints where its CPU goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.bench_api import bench_domain, cpu_seconds, load, wait_up
from bench.bench_domain import bench_database
from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.dispatcher import Dispatcher
from incidents.enums import TimelineKind
from incidents.migrate import upgrade
from incidents.models import Incident, TimelineEntry
from incidents.outbox import PENDING, OutboxMessage, Topic
from incidents.signals.delivery import signal_handlers
from incidents.signals.models import GroupState, Signal, SignalGroup
from incidents.timesource import SystemTime
from web.app import WORKER_THREADS

P99_TARGET_MS = 500.0
CPU_TARGET_MS = 2.0
TYPE = "hate_harassment"
IN_APP_REASONS = (
    "Harassment or bullying",
    "This account is sending me threats",
    "Hateful comments under my post",
    "They keep tagging me in abusive replies",
    "Coordinated pile-on from several accounts",
    "Threatening direct messages",
    "Someone is posting my private information",
    "Impersonation",
    "",
)
"""What an app's report button sends: one of its reasons, or nothing typed."""
HOTLINE_SHARE = 0.3
"""Reports of a wave phoned in (each note its own words) rather than flagged in the app."""


def _hotline_note(n: int) -> str:
    """A call note of its own, sometimes with the caller's number or e-mail in it."""
    contact = ("", f" Reach the caller at +44 20 7946 {n % 10_000:04d}.", f" Caller's e-mail: caller{n}@example.org.")
    return (
        f"Call {n}: caller reports abusive replies and threats against the account since {n % 12 + 1} this "
        f"morning, about {n % 40 + 2} messages; screenshots sent to the hotline inbox.{contact[n % 3]}"
    )


def _report(n: int, subject: str, ref: str, *, unique_text: bool = False) -> dict[str, str]:
    """Report ``n``: phoned in (a unique note) for :data:`HOTLINE_SHARE` of them or with ``unique_text``, else
    flagged in the app with one of its reasons."""
    phoned = unique_text or (n * 7919) % 100 < HOTLINE_SHARE * 100
    return {
        "source": "hotline" if phoned else "in_app",
        "type": TYPE,
        "severity_hint": "SEV3",
        "region": "EMEA",
        "subject": subject,
        "reporter": f"caller-{n}@example.org",
        "text": _hotline_note(n) if phoned else IN_APP_REASONS[n % len(IN_APP_REASONS)],
        "external_ref": ref,
    }


def wave_reports(
    count: int, rate: float, seed: int = 7, *, unique_text: bool = False
) -> tuple[list[dict[str, str]], int]:
    """``count`` unique reports about one target, with a repeat after every 100th; returns them and the unique
    count. A repeat resends a report from up to two seconds before (``rate * 2`` places back)."""
    rng = random.Random(seed)
    reports: list[dict[str, str]] = []
    for n in range(count):
        reports.append(_report(n, "@target_account", f"call-{n}", unique_text=unique_text))
        if n % 100 == 99:
            back = rng.randint(1, min(n, int(rate * 2)))
            reports.append(dict(reports[len(reports) - back]))
    return reports, count


def group_reports(groups: int, total: int) -> list[dict[str, str]]:
    """``total`` reports about ``groups`` subjects, interleaved (report n is about subject n % groups)."""
    return [_report(n, f"@account_{n % groups:02d}", f"multi-{n}") for n in range(total)]


def batches(reports: list[dict[str, str]], size: int) -> list[bytes]:
    """Request bodies: one report per call at ``size`` 1 (as a hotline sends them), else ``{"signals": [...]}``."""
    if size == 1:
        return [json.dumps(r).encode() for r in reports]
    return [json.dumps({"signals": reports[i : i + size]}).encode() for i in range(0, len(reports), size)]


@dataclass
class Sent:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: int = 0
    """Reports the API answered as new (``repeat`` false)."""
    repeats: int = 0
    """Reports the API answered as repeats."""
    failed: int = 0
    """Reports in calls that were not answered 201."""
    cpu_replicas: float = 0.0
    cpu_load: float = 0.0
    took: float = 0.0


def send(urls: list[str], token: str, bodies: list[bytes], calls_per_second: float, sizes: list[int]) -> Sent:
    """The calls through :func:`bench.bench_api.load`, counting what the API said of each report."""
    sent = Sent()

    def answered(n: int, status: int, raw: bytes) -> None:
        if status != 201:
            sent.failed += sizes[n]
            if status != -1 and sent.failed <= 3 * sizes[n]:
                print(f"call {n}: {status} {raw[:300]!r}", file=sys.stderr)
            return
        views = json.loads(raw)["signals"]
        repeats = sum(1 for v in views if v["repeat"])
        sent.repeats += repeats
        sent.accepted += len(views) - repeats

    start = time.perf_counter()
    sent.latencies, sent.statuses = asyncio.run(
        load(urls, token, "/api/v1/signals", bodies, calls_per_second, answered=answered)
    )
    sent.took = time.perf_counter() - start
    return sent


def run_load(
    replicas: list[subprocess.Popen[bytes]],
    urls: list[str],
    token: str,
    reports: list[dict[str, str]],
    args: argparse.Namespace,
) -> Sent:
    bodies = batches(reports, args.batch)
    sizes = [min(args.batch, len(reports) - i) for i in range(0, len(reports), args.batch)]
    before = [cpu_seconds(r.pid) for r in replicas]
    load_cpu = time.process_time()
    sent = send(urls, token, bodies, args.rate / args.batch, sizes)
    sent.cpu_load = time.process_time() - load_cpu
    sent.cpu_replicas = sum(cpu_seconds(r.pid) - b for r, b in zip(replicas, before, strict=True))
    return sent


def warm_up(urls: list[str], token: str) -> None:
    """A few reports per replica before anything is measured, about a subject of their own: the first loads the
    personal-data detector (presidio, tldextract), seconds of CPU a running replica has long paid."""
    for url in urls:
        for n in range(3):
            body = {**_report(n, "@warmup", f"{url}-{n}"), "source": "warmup"}
            response = httpx.post(
                f"{url}/api/v1/signals", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=120
            )
            response.raise_for_status()


def drain_notes(domain: Domain, timeout: float) -> tuple[float, int]:
    """Run a dispatcher with the signals' handlers until no note is pending and every signal of an attached group
    is noted; returns the seconds it took and the signals left unnoted."""
    dispatcher = Dispatcher(domain.factory, signal_handlers(domain), SystemTime(), workers=8, batch=50)
    thread = threading.Thread(target=dispatcher.run_forever, kwargs={"poll": 0.2}, daemon=True)
    started = time.perf_counter()
    thread.start()
    left = -1
    try:
        while time.perf_counter() - started < timeout:
            with domain.unit() as ctx:
                pending = ctx.session.scalar(
                    select(func.count()).where(
                        OutboxMessage.topic == Topic.SIGNALS_NOTE.value, OutboxMessage.state == PENDING
                    )
                )
                left = ctx.session.scalar(
                    select(func.count())
                    .select_from(Signal)
                    .join(SignalGroup, Signal.group_id == SignalGroup.id)
                    .where(SignalGroup.state == GroupState.ATTACHED, Signal.noted.is_(False))
                )
            if not pending and not left:
                break
            time.sleep(1)
    finally:
        dispatcher.stop()
        thread.join(timeout=30)
    return time.perf_counter() - started, left or 0


def card_count(domain: Domain, incident_id: int) -> int:
    with domain.unit() as ctx:
        entries = ctx.session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.incident_id == incident_id, TimelineEntry.kind == TimelineKind.SIGNALS
            )
        )
        return sum(int(e.data.get("count", 0)) for e in entries)


def print_load(label: str, sent: Sent, reports: int, calls: int) -> float:
    q = statistics.quantiles(sent.latencies, n=100)
    signals = max(sent.accepted + sent.repeats, 1)
    cpu = sent.cpu_replicas / signals * 1000
    print(
        f"[{label}] {reports} reports in {calls} calls over {sent.took:.1f} s: statuses {dict(sent.statuses)}; "
        f"accepted {sent.accepted} new + {sent.repeats} repeats, {sent.failed} in failed calls"
    )
    print(
        f"[{label}] latency ms per call: p50 {q[49]:.0f}  p95 {q[94]:.0f}  p99 {q[98]:.0f}  "
        f"max {max(sent.latencies):.0f}"
    )
    print(
        f"[{label}] CPU ms per signal: replicas {cpu:.2f} (per call {sent.cpu_replicas / calls * 1000:.2f}), "
        f"load generator {sent.cpu_load / signals * 1000:.2f}"
    )
    return q[98]


def profile_summary(raw: Path, top: int = 18) -> None:
    """Summarise py-spy's collapsed stacks: the heaviest frames by self time and by inclusive time."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [re.sub(r"\(.*/([^/]+?)(:\d+)?\)$", r"(\1)", frame) for frame in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        print("profile: no samples")
        return
    print(f"  {total} samples while busy: self time")
    for frame, n in own.most_common(top):
        print(f"  {n / total:6.1%}  {frame}")
    print("inclusive time")
    for frame, n in inclusive.most_common(top * 3):
        print(f"  {n / total:6.1%}  {frame}")


def _spy(py_spy: str | None, pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling ``pid`` for ``seconds`` into ``out`` (collapsed stacks), when py-spy is at hand."""
    if not py_spy:
        return None
    sampling = ["--format", "raw", "--nonblocking", "--gil", "--rate", "50", "--duration", str(int(seconds) + 2)]
    return subprocess.Popen(
        [py_spy, "record", "--pid", str(pid), *sampling, "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=500, help="reports per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=1, help="reports per call (1: one per call, as a hotline)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--threads", type=int, default=WORKER_THREADS, help="endpoint threads per replica")
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--group-reports", type=int, default=3000)
    parser.add_argument("--drain-seconds", type=float, default=180)
    parser.add_argument("--port", type=int, default=18760, help="first replica's port")
    parser.add_argument("--unique-text", action="store_true", help="every report's text its own (no in-app reasons)")
    parser.add_argument("--py-spy", default=shutil.which("py-spy"), help="sample replica 0 in each phase")
    args = parser.parse_args()
    logging.getLogger("incidents.dispatcher").setLevel(logging.ERROR)  # other topics have no handler here

    wave, unique = wave_reports(int(args.rate * args.seconds), args.rate, unique_text=args.unique_text)
    multi = group_reports(args.groups, args.group_reports)
    with bench_database(keep=False) as url:
        upgrade(url.replace("postgresql://", "postgresql+psycopg://", 1))
        domain = bench_domain(url)
        with domain.unit() as ctx:
            _key, token = apikeys.create_key(
                ctx, actor="bench", name="bench", scopes=[apikeys.SIGNALS_WRITE], rate_per_minute=10_000_000
            )
        ports = [args.port + n for n in range(args.replicas)]
        replicas = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.bench_api",
                    "--serve",
                    url,
                    str(p),
                    "--threads",
                    str(args.threads),
                    "--signals",
                ]
            )
            for p in ports
        ]
        spied = Path(tempfile.mkdtemp())
        try:
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            wait_up(urls)
            warm_up(urls, token)
            spy = _spy(args.py_spy, replicas[0].pid, args.seconds, spied / "wave.txt")
            wave_sent = run_load(replicas, urls, token, wave, args)
            if spy is not None:
                spy.wait(timeout=60)
            spy = _spy(args.py_spy, replicas[0].pid, len(multi) / args.rate, spied / "groups.txt")
            multi_sent = run_load(replicas, urls, token, multi, args)
            if spy is not None:
                spy.wait(timeout=60)
        finally:
            for replica in replicas:
                replica.terminate()
                replica.wait(timeout=30)

        print(
            f"wave: {unique} unique reports + {len(wave) - unique} repeats about one target at {args.rate:.0f}/s, "
            f"batch {args.batch}, {args.replicas} replicas x {args.threads} threads"
        )
        wave_p99 = print_load("wave", wave_sent, len(wave), len(batches(wave, args.batch)))
        with domain.unit() as ctx:
            rows = ctx.session.scalar(
                select(func.count()).select_from(Signal).where(Signal.subject == "@target_account")
            )
            wave_groups = list(
                ctx.session.scalars(
                    select(SignalGroup).where(
                        SignalGroup.id.in_(select(Signal.group_id).where(Signal.subject == "@target_account"))
                    )
                )
            )
            incident_ids = sorted({g.incident_id for g in wave_groups if g.incident_id is not None})
            incidents = ctx.session.scalar(select(func.count()).select_from(Incident)) or 0
        print(f"[wave] rows in signals {rows} (unique reports {unique}, answered new {wave_sent.accepted})")
        print(f"[wave] groups {len(wave_groups)}, incidents from them {len(incident_ids)}")
        took, left = drain_notes(domain, args.drain_seconds)
        wave_card = sum(card_count(domain, i) for i in incident_ids)
        print(f"[wave] notes drained in {took:.1f} s ({left} signals left unnoted); card count {wave_card}")

        print(f"{args.groups} groups at once: {len(multi)} reports interleaved at {args.rate:.0f}/s")
        multi_p99 = print_load("groups", multi_sent, len(multi), len(batches(multi, args.batch)))
        expected = Counter(r["subject"] for r in multi)
        with domain.unit() as ctx:
            per_group = ctx.session.execute(
                select(Signal.group_id, func.min(Signal.subject), func.count())
                .where(Signal.subject.in_(expected))
                .group_by(Signal.group_id)
            ).all()
            multi_incidents = {
                g.id: g.incident_id
                for g in ctx.session.scalars(select(SignalGroup).where(SignalGroup.id.in_([r[0] for r in per_group])))
            }
        exact = sum(1 for _g, subject, n in per_group if n == expected[subject])
        subjects_once = len({subject for _g, subject, _n in per_group}) == len(per_group) == len(expected)
        cards = [
            (card_count(domain, multi_incidents[g]), n) for g, _s, n in per_group if multi_incidents[g] is not None
        ]
        cards_exact = sum(1 for card, n in cards if card == n)
        print(
            f"[groups] groups {len(per_group)} (expected {len(expected)}), {exact} hold exactly their reports; "
            f"{len(cards)} declared, {cards_exact} cards exact"
        )

        def verdict(ok: bool) -> str:
            return "PASS" if ok else "FAIL"

        cpu = wave_sent.cpu_replicas / max(wave_sent.accepted + wave_sent.repeats, 1) * 1000
        print("verdict:")
        print(f"  {verdict(wave_p99 < P99_TARGET_MS)} wave p99 < {P99_TARGET_MS:.0f} ms: {wave_p99:.0f} ms")
        print(f"  {verdict(multi_p99 < P99_TARGET_MS)} groups p99 < {P99_TARGET_MS:.0f} ms: {multi_p99:.0f} ms")
        print(f"  {verdict(cpu <= CPU_TARGET_MS)} replica CPU <= {CPU_TARGET_MS:.0f} ms/signal: {cpu:.2f} ms")
        print(f"  {verdict(rows == unique)} every signal stored once: {rows} rows for {unique} unique reports")
        print(
            f"  {verdict(len(wave_groups) == 1 and len(incident_ids) == 1)} one group, one incident: "
            f"{len(wave_groups)} groups, {len(incident_ids)} incidents"
        )
        print(f"  {verdict(wave_card == rows and left == 0)} card count exact: {wave_card} on the card, {rows} rows")
        multi_ok = subjects_once and exact == len(expected) and cards_exact == len(cards)
        print(
            f"  {verdict(multi_ok)} {args.groups} groups exact: {len(per_group)} groups, {exact} exact counts, "
            f"{cards_exact}/{len(cards)} cards exact"
        )
        print(f"(total incidents in the database: {incidents})")
        for phase in ("wave", "groups"):
            if (spied / f"{phase}.txt").exists():
                print(f"replica 0 during the {phase}:")
                profile_summary(spied / f"{phase}.txt")
        domain.engine.dispose()


if __name__ == "__main__":
    main()
