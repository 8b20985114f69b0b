"""The chaos bench's short form (bench/chaos.py): a few dozen incidents through two ``vigil serve`` replicas on
PostgreSQL while Slack fails ~10% of calls and loses ~1% of answers, Jira fails ~10% and goes down for a while,
PagerDuty fails ~10% of events, loses ~5% of answers and goes down while the SEV1 incidents' pages go out, and a
replica is killed with SIGKILL. Nothing may be lost or done twice: each SEV1 incident is paged once and its page
resolved once. Once with the replicas in HTTP mode behind a round-robin front, once in Socket Mode with a connection
each (a killed replica connects again)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench.chaos import Chaos, Outcome, run_chaos

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

SHORT = Chaos(
    incidents=24,
    concurrency=24,
    kill_every=10,
    jira_outage_at=5,
    jira_outage_seconds=10,
    pagerduty_lost_rate=0.05,  # a few lost answers among a few dozen events
    pagerduty_outage_at=1,  # while the SEV1 incidents' pages go out
    pagerduty_outage_seconds=5,
    drain_seconds=90,
    rate_window_s=10,  # Slack's tiers on, their minute shrunk to fit the run
)


def _nothing_lost_or_done_twice(outcome: Outcome) -> None:
    report = outcome.report()
    assert outcome.kills["SIGKILL"] >= 1, report
    assert outcome.paging.sev1 == len(range(0, SHORT.incidents, SHORT.sev1_every)), report
    assert outcome.paging.incidents >= 1, report
    assert outcome.findings.duplicates == [], report
    assert outcome.findings.losses == [], report


def test_nothing_is_lost_or_done_twice_under_chaos(tmp_path: Path) -> None:
    _nothing_lost_or_done_twice(run_chaos(SHORT, tmp_path))


def test_nothing_is_lost_or_done_twice_under_chaos_over_socket_mode(tmp_path: Path) -> None:
    _nothing_lost_or_done_twice(run_chaos(replace(SHORT, socket_mode=True), tmp_path))
