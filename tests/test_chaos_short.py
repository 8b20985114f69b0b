"""The chaos bench's short form (bench/chaos.py): a few dozen incidents through two ``vigil serve --http``
replicas on PostgreSQL while Slack fails ~10% of calls and loses ~1% of answers, Jira fails ~10% and goes down
for a while, and a replica is killed with SIGKILL. Nothing may be lost or done twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos import Chaos, run_chaos

SHORT = Chaos(
    incidents=24,
    concurrency=24,
    kill_every=10,
    jira_outage_at=5,
    jira_outage_seconds=10,
    drain_seconds=90,
    rate_window_s=10,  # Slack's tiers on, their minute shrunk to fit the run
)


@pytest.mark.xfail(
    reason="open in #17: under kills a pinned card can miss the incident's last refresh (seen once in 8 runs: "
    "'INC-2026-0010 pinned card does not show SEV2 · resolved'); no duplicate was ever seen",
    strict=False,
)
def test_nothing_is_lost_or_done_twice_under_chaos(tmp_path: Path) -> None:
    outcome = run_chaos(SHORT, tmp_path)
    report = outcome.report()
    assert outcome.kills["SIGKILL"] >= 1, report
    assert outcome.findings.duplicates == [], report
    assert outcome.findings.losses == [], report
