"""1,000 corrective actions queued while Jira is down, then Jira comes back: time to drain, and the count in Jira.

Usage: ``.venv/bin/python -m bench.bench_jira_drain [--actions N] [--workers N] [--database-url URL]``

Runs against the Jira emulator (Cloud) over loopback with the real ``jira`` client and a dispatcher as production
runs it. Backoff waits are skipped by moving a manual clock (wall time is what is measured); the figure is the
time from "Jira is back" to "every action synced". The count must equal the number of actions: nothing lost,
nothing doubled. Uses a fresh SQLite file unless ``--database-url`` names another (empty, migrated) database.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from emulators.jira import JiraEmulator
from incidents import actions, lifecycle
from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.dispatcher import Dispatcher
from incidents.enums import Severity, SyncState
from incidents.migrate import upgrade
from incidents.models import Action
from incidents.outbox import PENDING, OutboxMessage, Topic
from incidents.policy import load_policy
from incidents.settings import Settings
from incidents.timesource import ManualTime
from incidents.tracker import build_sync


def queue_actions(domain: Domain, count: int, per_incident: int = 20) -> None:
    for start in range(0, count, per_incident):
        with domain.unit() as ctx:
            ref = lifecycle.declare(
                ctx, actor="U_BENCH", title=f"Bench incident {start}", types=["threat_violence"], severity=Severity.SEV2
            ).ref
            for n in range(start, min(count, start + per_incident)):
                actions.add_action(ctx, ref, actor="U_BENCH", title=f"Corrective action {n}", tracked=True)


def pending(domain: Domain) -> int:
    with domain.unit() as ctx:
        query = select(func.count()).where(OutboxMessage.topic == Topic.ACTION_CHANGED, OutboxMessage.state == PENDING)
        return ctx.session.scalar(query) or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench-jira.db'}"
    if not args.database_url:
        upgrade(url)
    engine = make_engine(url)
    time_source = ManualTime(datetime.now(UTC))
    domain = Domain(engine, make_sessionmaker(engine), load_policy(), time_source)
    emu = JiraEmulator("Cloud").start()
    emu.add_project(key="SAFE", name="Safety", issue_types=["Task"])
    settings = Settings(
        jira_url=emu.url, jira_email=emu.email, jira_api_token=emu.api_token, jira_project="SAFE", jira_timeout=5
    )
    sync = build_sync(domain, settings)
    assert sync is not None
    ignore = {t: (lambda _m: None) for t in (Topic.INCIDENT_DECLARED, Topic.INCIDENT_CHANGED, Topic.TIMELINE_ADDED)}
    dispatcher = Dispatcher(
        domain.factory, {**sync.handlers(), **ignore}, time_source, workers=args.workers, max_attempts=50
    )
    try:
        emu.go_down()
        started = time.perf_counter()
        queue_actions(domain, args.actions)
        queued_s = time.perf_counter() - started
        started = time.perf_counter()
        dispatcher.drain(timeout=3600)
        down_s = time.perf_counter() - started
        served_while_down = len(emu.requests)
        assert not emu.issues
        emu.come_up()
        time_source.advance(timedelta(hours=1))
        requests_before = len(emu.requests)
        started, cpu = time.perf_counter(), time.process_time()
        while pending(domain):
            dispatcher.drain(timeout=3600)
            time_source.advance(timedelta(minutes=10))
        drain_s, drain_cpu = time.perf_counter() - started, time.process_time() - cpu
        with domain.unit() as ctx:
            synced = ctx.session.scalar(
                select(func.count()).where(Action.sync_state == SyncState.SYNCED, Action.tracker_key.is_not(None))
            )
        requests = len(emu.requests) - requests_before
        in_jira = sum(1 for issue in emu.issues.values() if "incident" in issue.labels)
        by_search = sum(1 for _ in sync.tracker.changed_since(None))
        print(f"actions queued while Jira was down: {args.actions} ({queued_s:.2f} s to commit, {engine.dialect.name})")
        print(f"first delivery pass while down:     {down_s:.2f} s, {served_while_down} requests served (0 expected)")
        print(
            f"drain after Jira came back:         {drain_s:.2f} s ({args.actions / drain_s:.0f} actions/s, "
            f"{args.workers} workers, {requests} requests, {requests / args.actions:.1f} per action, "
            f"{drain_cpu:.1f} s CPU in this process for Vigil and the emulator)"
        )
        print(f"issues in Jira:                     {in_jira} (JQL count {by_search}); actions synced: {synced}")
        print("OK: exactly one issue per action" if in_jira == by_search == synced == args.actions else "MISMATCH")
    finally:
        emu.stop()
        engine.dispose()


if __name__ == "__main__":
    main()
