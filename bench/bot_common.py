"""Shared set-up for the bot benchmarks: a fresh PostgreSQL (or SQLite) database, the Slack emulator with a
fixed latency per Web API call, and the bot — ``vigil serve`` in its own process, as in production, so the
emulator and the load generator do not share its interpreter — connected over Socket Mode."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select

from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.outbox import PENDING, OutboxMessage
from tests.dbs import fresh_database
from vigil.emulated import emulated_settings


@dataclass
class Bench:
    emu: SlackEmulator
    domain: Domain
    alice: str
    general: str
    announce: str
    watcher: Engine
    """Reads what the benches poll for without a unit's ``BEGIN IMMEDIATE`` on SQLite: that takes the write lock,
    and Vigil's writers meeting it wait in SQLite's busy handler, which sleeps in steps of milliseconds."""

    def pending(self) -> int:
        """Outbox rows still to deliver: polled every 20 ms while a declare provisions."""
        with self.watcher.connect() as connection:
            query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == PENDING)
            return connection.scalar(query) or 0


@contextmanager
def running_bot(
    backend: str = "postgresql",
    latency_ms: float = 100,
    rate_limit_window_s: float = 60.0,
    database_url: str | None = None,
) -> Iterator[Bench]:
    """The bot connected to a new emulator, over a fresh database or the one at ``database_url``."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        nullcontext(database_url) if database_url else fresh_database(backend, Path(tmp)) as url,
        SlackEmulator(latency_ms=latency_ms, rate_limit_window_s=rate_limit_window_s) as emu,
    ):
        alice = emu.add_user("alice")
        general = emu.add_channel("general", members=[alice])
        announce = emu.add_channel("incidents", members=[alice])
        settings = emulated_settings(emu, url, slack_app_token=emu.app_token, announce_channel=announce)
        domain = Domain.from_settings(settings)
        watcher = create_engine(url)
        env = {
            **os.environ,
            "VIGIL_DATABASE_URL": url,
            "SLACK_BOT_TOKEN": emu.bot_token,
            "SLACK_APP_TOKEN": emu.app_token,
            "SLACK_API_URL": emu.web_api_url,
            "VIGIL_ANNOUNCE_CHANNEL": announce,
        }
        bot = subprocess.Popen(
            [str(Path(sys.executable).with_name("vigil")), "serve"], env=env, stderr=subprocess.DEVNULL
        )
        try:
            emu.wait_for(lambda: emu.socket_connections > 0, timeout=30)
            bench = Bench(emu, domain, alice, general, announce, watcher)
            bench.pending()  # the load generator's own first query, paid before the first request, not while timing it
            yield bench
        finally:
            bot.send_signal(signal.SIGINT)
            bot.wait(timeout=30)
            watcher.dispose()
            domain.engine.dispose()


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {p50:.1f} / p99 {p99:.1f} / max {ordered[-1]:.1f} ms"
