"""Declares through the intake API at a steady rate on PostgreSQL and prints latency and channel figures.

Usage: ``.venv/bin/python -m bench.bench_api [--rate 200] [--seconds 30] [--replicas 2] [--threads 8] [--no-bot]``

Creates a fresh PostgreSQL database, starts ``--replicas`` API server processes on loopback (as replicas behind a
load balancer would be: one shared rate-limit counter per key, in the database), and sends ``--rate`` declares
per second, open-loop (each request leaves at its scheduled time, so a slow server cannot slow the load down),
for ``--seconds``. Latency is measured from the scheduled time, CPU per declare from the replicas' /proc
counters (Linux). Then, with the bot: the Slack emulator (100 ms per Web API call) and the outbox dispatcher with
the bot's Slack port provision every incident; the bench checks each incident got exactly one channel. Without
a usable bot it prints the channel check as pending.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import aiohttp
import httpx
from sqlalchemy import func, select

from bench.bench_domain import bench_database
from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.migrate import upgrade
from incidents.models import Incident
from incidents.policy import load_policy
from incidents.settings import Settings
from incidents.timesource import SystemTime
from web.app import WORKER_THREADS

BODY = {"title": "Bench: threat reported on the hotline", "types": ["threat_violence"], "severity": "SEV2"}


def bench_domain(url: str) -> Domain:
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), pool_size=20, max_overflow=20)
    return Domain(engine, make_sessionmaker(engine), load_policy(), SystemTime())


def serve(url: str, port: int, threads: int, *, signals: bool = False) -> None:
    """One API replica (run in its own process by the bench). With ``signals``, it also runs an outbox dispatcher
    for the signals' own domain work (threshold checks, timeline notes) as ``vigil serve`` would, so that work's
    CPU counts as the replica's; what would go to Slack or a pager is dropped."""
    from incidents.dispatcher import Dispatcher
    from incidents.signals.delivery import signal_handlers_only
    from web.api import build_api_router
    from web.app import build_web_app
    from web.server import WebServer

    domain = bench_domain(url)
    if signals:
        dispatcher = Dispatcher(domain.factory, signal_handlers_only(domain), SystemTime())
        domain.poke = dispatcher.poke
        threading.Thread(target=dispatcher.run_forever, name="vigil-outbox", daemon=True).start()
    app = build_web_app(domain, [build_api_router(domain)], worker_threads=threads)
    WebServer(app, port=port).serve_forever()


Answered = Callable[[int, int, bytes], None]
"""Told of each answer: the call's number, its HTTP status (-1: no answer) and its body."""


async def load(
    urls: list[str],
    token: str,
    path: str,
    bodies: Sequence[bytes],
    rate: float,
    *,
    answered: Answered | None = None,
    idempotency: bool = False,
) -> tuple[list[float], Counter[int]]:
    """Open-loop load: call n (with ``bodies[n]``) leaves at start + n / rate, round-robin over the replicas, and
    its latency runs from that scheduled moment. The client is aiohttp: it costs ~1 ms of CPU per request where
    httpx cost ~3 ms, CPU the replicas share on this machine."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=1000)
    async with aiohttp.ClientSession(
        headers=headers, connector=connector, timeout=aiohttp.ClientTimeout(total=900)
    ) as http:

        async def one(n: int, due: float) -> None:
            status, raw = -1, b""
            try:
                extra = {"Idempotency-Key": f"bench-{n}"} if idempotency else {}
                async with http.post(f"{urls[n % len(urls)]}{path}", data=bodies[n], headers=extra) as response:
                    status, raw = response.status, await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                print(f"call {n}: {type(exc).__name__}", file=sys.stderr)
            statuses[status] += 1
            latencies.append((time.perf_counter() - due) * 1000)
            if answered is not None:
                answered(n, status, raw)

        start = time.perf_counter() + 0.5
        tasks = []
        for n in range(len(bodies)):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n, due)))
        await asyncio.gather(*tasks)
    return latencies, statuses


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_up(urls: list[str]) -> None:
    deadline = time.monotonic() + 30
    for url in urls:
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"replica {url} did not start")
            time.sleep(0.1)


def channel_check(domain: Domain, url: str, drain_seconds: float) -> str:
    """Provision every declared incident through the bot against the emulator; count channels per incident."""
    try:
        from slack_sdk import WebClient

        from bot.slack_port import SlackPort
        from emulators.slack import SlackEmulator
        from incidents.dispatcher import Dispatcher
    except ImportError as exc:
        return f"pending bot ({exc})"
    with SlackEmulator(latency_ms=100, enforce_rate_limits=False) as emu:
        settings = Settings(database_url=url, slack_bot_token=emu.bot_token, slack_api_url=emu.web_api_url)
        port = SlackPort(WebClient(token=emu.bot_token, base_url=emu.web_api_url), domain, settings)
        dispatcher = Dispatcher(domain.factory, port.handlers(), SystemTime(), workers=32, batch=200)
        thread = threading.Thread(target=dispatcher.run_forever, kwargs={"poll": 0.2}, daemon=True)
        started = time.perf_counter()
        thread.start()
        with domain.unit() as ctx:
            total = ctx.session.scalar(select(func.count()).select_from(Incident)) or 0
        done = 0
        while time.perf_counter() - started < drain_seconds:
            with domain.unit() as ctx:
                done = ctx.session.scalar(select(func.count()).where(Incident.slack_channel_id.is_not(None))) or 0
            if done >= total:
                break
            time.sleep(1)
        took = time.perf_counter() - started
        dispatcher.stop()
        thread.join(timeout=30)
        port.close()
        with domain.unit() as ctx:
            refs = [r.lower() for r in ctx.session.scalars(select(Incident.ref))]
        names = [c.name for c in emu.channels.values()]
        per_incident = Counter(next((r for r in refs if r in name), None) for name in names)
        exactly_one = sum(1 for r in refs if per_incident[r] == 1)
        more = sum(1 for r in refs if per_incident[r] > 1)
    verdict = "OK" if exactly_one == total else ("pending bot" if done < total else "FAIL")
    return (
        f"{verdict}: {exactly_one}/{total} incidents have exactly one channel, {more} have more "
        f"(provisioned {done} in {took:.0f} s with 100 ms per Slack call)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--no-bot", action="store_true")
    parser.add_argument("--drain-seconds", type=float, default=600)
    parser.add_argument("--threads", type=int, default=WORKER_THREADS, help="endpoint threads per replica")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    parser.add_argument("--signals", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.threads, signals=args.signals)
        return
    with bench_database(keep=False) as url:
        upgrade(url.replace("postgresql://", "postgresql+psycopg://", 1))
        domain = bench_domain(url)
        with domain.unit() as ctx:
            _key, token = apikeys.create_key(
                ctx, actor="bench", name="bench", scopes=[apikeys.WRITE], rate_per_minute=1_000_000
            )
        ports = [18700 + n for n in range(args.replicas)]
        replicas = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.bench_api", "--serve", url, str(p), "--threads", str(args.threads)]
            )
            for p in ports
        ]
        try:
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            wait_up(urls)
            before = [cpu_seconds(r.pid) for r in replicas]
            load_cpu = time.process_time()
            body = json.dumps(BODY).encode()
            calls = [body] * int(args.rate * args.seconds)
            latencies, statuses = asyncio.run(
                load(urls, token, "/api/v1/incidents", calls, args.rate, idempotency=True)
            )
            load_cpu = time.process_time() - load_cpu
            replica_cpu = sum(cpu_seconds(r.pid) - b for r, b in zip(replicas, before, strict=True))
        finally:
            for replica in replicas:
                replica.terminate()
                replica.wait(timeout=30)
        q = statistics.quantiles(latencies, n=100)
        print(
            f"{len(latencies)} declares at {args.rate:.0f}/s for {args.seconds:.0f} s over {args.replicas} replicas: "
            f"statuses {dict(statuses)}"
        )
        print(f"latency ms: p50 {q[49]:.0f}  p95 {q[94]:.0f}  p99 {q[98]:.0f}  max {max(latencies):.0f}")
        print(
            f"CPU ms per declare: replicas {replica_cpu / len(latencies) * 1000:.1f}, "
            f"load generator {load_cpu / len(latencies) * 1000:.1f}"
        )
        print("channels:", "skipped (--no-bot)" if args.no_bot else channel_check(domain, url, args.drain_seconds))
        domain.engine.dispose()


if __name__ == "__main__":
    main()
