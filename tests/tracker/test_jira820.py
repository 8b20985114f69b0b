"""The same sync against jira820, an independent Jira Data Center 8.20 emulator from PyPI, so our own emulator is
not the only judge of create / update / transition / search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import jira
import pytest

from emulators.jira.testing import running_jira820
from incidents import actions
from incidents.context import Domain
from incidents.enums import ActionStatus, SyncState
from incidents.models import Action
from incidents.settings import Settings
from incidents.timesource import ManualTime
from incidents.tracker import build_sync, reconcile
from tests.tracker.conftest import DUE, Bot, add_action, make_dispatcher, settle

pytestmark = pytest.mark.filterwarnings("ignore:Unable to gather applicationlinks")


@pytest.fixture(scope="module")
def jira820_url() -> Iterator[str]:
    with running_jira820() as url:
        yield url


def test_create_update_transition_and_search_against_jira820(
    domain: Domain, jira820_url: str, bot: Bot, time_source: ManualTime, incident_ref: str
) -> None:
    settings = Settings(jira_url=jira820_url, jira_token="any", jira_project="SAFE", jira_label_prefix="x820")
    sync = build_sync(domain, settings)
    assert sync is not None
    dispatcher = make_dispatcher(domain, sync, bot, time_source)
    action_id = add_action(domain, incident_ref, due_date=DUE, title=f"Rotate keys {time_source.now():%H%M%S%f}")
    settle(dispatcher, time_source)
    with domain.unit() as ctx:
        key = ctx.session.get(Action, action_id).tracker_key  # type: ignore[union-attr]
    client = jira.JIRA(server=jira820_url, token_auth="any", max_retries=0)
    issue = client.issue(key)
    assert issue.fields.summary.startswith(f"[{incident_ref}] Rotate keys")
    assert "incident" in issue.fields.labels and issue.fields.duedate == "2026-12-15"
    assert issue.fields.priority.name == "Medium"

    with domain.unit() as ctx:
        changes = actions.ActionChanges(title="Rotate all keys", status=ActionStatus.DONE)
        actions.update_action(ctx, action_id, changes, actor="U_ALICE", tracked=True)
    settle(dispatcher, time_source)
    issue = client.issue(key)
    assert issue.fields.summary == f"[{incident_ref}] Rotate all keys"
    assert issue.fields.status.statusCategory.key == "done"

    label = f"x820-action-{incident_ref.lower()}-{action_id}"
    assert sync.tracker.find(label).key == key  # type: ignore[union-attr]
    reopen = next(t for t in client.transitions(key) if t["to"]["statusCategory"]["key"] == "new")
    client.transition_issue(key, reopen["id"])
    client.issue(key).update(fields={"duedate": "2027-01-31"})
    assert reconcile(domain, sync.tracker) >= 1
    with domain.unit() as ctx:
        action = ctx.session.get(Action, action_id)
        assert action is not None
        assert (action.status, action.due_date, action.sync_state) == (
            ActionStatus.OPEN,
            date(2027, 1, 31),
            SyncState.SYNCED,
        )
