"""``vigil jira resync`` / ``reconcile`` from a terminal, and the rule that only the adapter imports ``jira``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulators.jira import JiraEmulator
from incidents.context import Domain
from incidents.enums import ActionStatus, SyncState
from incidents.models import Action
from incidents.outbox import Topic
from incidents.timesource import ManualTime
from incidents.tracker import TrackerSync
from tests.tracker.conftest import add_action, settle
from vigil.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_only_the_jira_adapter_imports_the_jira_library() -> None:
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "incidents").rglob("*.py")
        if re.search(r"^\s*(import jira\b|from jira\b)", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert importers == ["incidents/tracker/jira/client.py"]


@pytest.fixture
def vigil(db_url: str, emu: JiraEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    for name, value in {
        "VIGIL_DATABASE_URL": db_url,
        "JIRA_URL": emu.url,
        "JIRA_EMAIL": emu.email,
        "JIRA_API_TOKEN": emu.api_token,
        "VIGIL_JIRA_PROJECT": "SAFE",
    }.items():
        monkeypatch.setenv(name, value)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_resync_and_reconcile_from_the_terminal(
    vigil, domain: Domain, emu: JiraEmulator, sync: TrackerSync, dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    action_id = add_action(domain, incident_ref)
    sync.mark_failed(Topic.ACTION_CHANGED, action_id, "Jira was down for a day")
    assert vigil("jira", "resync") == (0, "1 action(s) queued for Jira; the running Vigil delivers them.\n", "")
    settle(dispatcher, time_source)
    [key] = emu.issues
    emu.transition(key, "In Progress")
    assert vigil("jira", "reconcile") == (0, "1 action(s) updated from Jira.\n", "")
    with domain.unit() as ctx:
        action = ctx.session.get(Action, action_id)
        assert action is not None and (action.status, action.sync_state) == (ActionStatus.IN_PROGRESS, SyncState.SYNCED)


def test_reconcile_without_jira_says_so(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    for name in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_TOKEN", "VIGIL_JIRA_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    assert main(["jira", "reconcile"]) != 0
    assert "Jira is not configured" in capsys.readouterr().err
