"""Edits flow both ways: Vigil → Jira through the outbox; Jira → Vigil through the webhook and the reconcile job,
applied once, never echoed back, and never undoing an edit that is still on its way to Jira."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from emulators.jira import JiraEmulator
from incidents import actions
from incidents.context import Domain
from incidents.enums import ActionStatus
from incidents.models import Action
from incidents.outbox import OutboxMessage
from incidents.timesource import ManualTime
from incidents.tracker import TrackerSync, reconcile
from tests.tracker.conftest import DUE, Bot, add_action, person, settle
from web.server import WebServer


@pytest.fixture
def synced(
    domain: Domain, emu: JiraEmulator, dispatcher, time_source: ManualTime, incident_ref: str
) -> tuple[int, str]:
    emu.add_user("bob@example.org", "Bob Jones")
    person(domain, "U_BOB", "bob@example.org", "Bob")
    action_id = add_action(domain, incident_ref, owner="U_BOB", due_date=DUE)
    settle(dispatcher, time_source)
    [key] = emu.issues
    return action_id, key


def edit(domain: Domain, action_id: int, **changes: object) -> None:
    with domain.unit() as ctx:
        actions.update_action(ctx, action_id, actions.ActionChanges(**changes), actor="U_ALICE", tracked=True)  # type: ignore[arg-type]


def action_of(domain: Domain, action_id: int) -> tuple[ActionStatus, str | None, date | None, str | None]:
    with domain.unit() as ctx:
        action = ctx.session.get(Action, action_id)
        assert action is not None
        return action.status, action.owner, action.due_date, action.resolution


def done_posts(bot: Bot) -> list[str]:
    """What the incident channel was told about the action being done."""
    return [p for p in bot.posts if "status → done" in p]


def test_editing_in_vigil_updates_the_issue(
    domain: Domain, emu: JiraEmulator, dispatcher, time_source: ManualTime, synced: tuple[int, str]
) -> None:
    action_id, key = synced
    carol = emu.add_user("carol@example.org", "Carol Diaz")
    person(domain, "U_CAROL", "carol@example.org", "Carol")
    edit(domain, action_id, title="Rotate and revoke the keys", owner="U_CAROL", due_date=date(2026, 12, 20))
    edit(domain, action_id, status=ActionStatus.DONE)
    settle(dispatcher, time_source)
    issue = emu.issues[key]
    assert issue.summary.endswith("Rotate and revoke the keys")
    assert (issue.assignee, issue.duedate) == (carol.account_id, "2026-12-20")
    assert (issue.status, issue.resolution) == ("Done", "Done")
    statuses = [i.to_string for h in issue.changelog for i in h.items if i.field == "status"]
    assert statuses == ["In Progress", "Done"]
    edit(domain, action_id, status=ActionStatus.WONT_DO)
    settle(dispatcher, time_source)
    assert (emu.issues[key].status, len(emu.issues)) == ("Done", 1)


def test_reopening_in_vigil_reopens_the_issue(
    domain: Domain, emu: JiraEmulator, dispatcher, time_source: ManualTime, synced: tuple[int, str]
) -> None:
    action_id, key = synced
    edit(domain, action_id, status=ActionStatus.WONT_DO)
    settle(dispatcher, time_source)
    assert emu.issues[key].resolution == "Won't Do"
    edit(domain, action_id, status=ActionStatus.OPEN)
    settle(dispatcher, time_source)
    assert (emu.issues[key].status, emu.issues[key].resolution) == ("To Do", None)


def test_jira_changes_arrive_by_webhook_once_and_are_not_echoed(
    domain: Domain, emu: JiraEmulator, dispatcher, bot: Bot, time_source: ManualTime, synced: tuple[int, str], hooked
) -> None:
    action_id, key = synced
    carol = emu.add_user("carol@example.org", "Carol Diaz")
    person(domain, "U_CAROL", "carol@example.org", "Carol")
    emu.update_fields(key, assignee={"accountId": carol.account_id}, duedate="2027-01-10")
    emu.transition(key, "Done", by="carol@example.org")
    emu.wait_for_deliveries(3)
    assert all(d.status == 200 for d in emu.deliveries)
    assert action_of(domain, action_id) == (ActionStatus.DONE, "U_CAROL", date(2027, 1, 10), "Done")
    settle(dispatcher, time_source)
    assert len(done_posts(bot)) == 1
    with domain.unit() as ctx:
        assert ctx.session.query(OutboxMessage).filter_by(topic="action.changed", state="pending").count() == 0
    changes_before = len(emu.issues[key].changelog)
    edit(domain, action_id, title="Rotate every key")
    settle(dispatcher, time_source)
    emu.wait_for_deliveries(4)
    assert len(emu.issues[key].changelog) == changes_before + 1
    assert action_of(domain, action_id)[0] is ActionStatus.DONE
    assert len(done_posts(bot)) == 1


def test_redelivered_webhook_is_applied_once(
    domain: Domain, emu: JiraEmulator, synced: tuple[int, str], hooked: WebServer, bot: Bot
) -> None:
    action_id, key = synced
    emu.transition(key, "In Progress")
    [delivery] = emu.wait_for_deliveries(1)
    edit_back = actions.ActionChanges(status=ActionStatus.OPEN)
    with domain.unit() as ctx:
        actions.update_action(ctx, action_id, edit_back, actor="U_ALICE")
    again = requests.post(f"{hooked.url}/jira/webhook", data=delivery.body, headers=delivery.headers, timeout=5)
    assert again.json() == {"ok": True, "changed": False}
    assert action_of(domain, action_id)[0] is ActionStatus.OPEN


def test_reconcile_applies_jira_changes_without_webhooks(
    domain: Domain, emu: JiraEmulator, sync: TrackerSync, dispatcher, bot: Bot, time_source: ManualTime, synced
) -> None:
    action_id, key = synced
    emu.transition(key, "Done")
    emu.update_fields(key, duedate="2027-02-01")
    assert reconcile(domain, sync.tracker) == 1
    assert action_of(domain, action_id)[:3] == (ActionStatus.DONE, "U_BOB", date(2027, 2, 1))
    assert reconcile(domain, sync.tracker) == 0
    settle(dispatcher, time_source)
    assert len(done_posts(bot)) == 1
    searches = [r for r in emu.requests if r.path.endswith("/search/jql")]
    assert "updated" in searches[-1].query and "incident" in searches[-1].query


def test_reconcile_does_not_undo_an_edit_still_in_the_outbox(
    domain: Domain, emu: JiraEmulator, sync: TrackerSync, dispatcher, time_source: ManualTime, synced
) -> None:
    action_id, key = synced
    edit(domain, action_id, due_date=date(2027, 3, 1), status=ActionStatus.IN_PROGRESS)
    emu.update_fields(key, summary="Touched in Jira")
    reconcile(domain, sync.tracker)
    assert action_of(domain, action_id)[:3] == (ActionStatus.IN_PROGRESS, "U_BOB", date(2027, 3, 1))
    settle(dispatcher, time_source)
    assert (emu.issues[key].duedate, emu.issues[key].status) == ("2027-03-01", "In Progress")
