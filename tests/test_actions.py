from datetime import date, timedelta

import pytest
from sqlalchemy import update

from incidents import actions
from incidents.context import Domain
from incidents.enums import ActionCategory, ActionPriority, ActionStatus, SyncState
from incidents.errors import NotFound, VigilError
from incidents.outbox import DONE, OutboxMessage
from incidents.queries import incident_to_show
from tests.helpers import declared_ref, outbox_topics


def test_add_action_untracked_stays_local(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        action = actions.add_action(
            ctx,
            ref,
            actor="U_A",
            title="Add threat classifier",
            owner="U_BOB",
            due_date=date(2026, 12, 31),
            priority=ActionPriority.HIGH,
            category=ActionCategory.DETECT,
        )
        assert (action.status, action.sync_state) == (ActionStatus.OPEN, SyncState.LOCAL)
    assert "action.changed" not in outbox_topics(domain)
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).timeline[-1].text == (
            "Action added: Add threat classifier (owner <@U_BOB>, due 2026-12-31)"
        )


def test_tracked_actions_queue_one_sync_per_pending_change(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        action = actions.add_action(ctx, ref, actor="U_A", title="Fix the filter", tracked=True)
        actions.update_action(
            ctx, action.id, actions.ActionChanges(title="Fix the hash filter"), actor="U_A", tracked=True
        )
        assert action.sync_state is SyncState.PENDING
    assert outbox_topics(domain).count("action.changed") == 1


def test_update_action_status_and_fields(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        action_id = actions.add_action(ctx, ref, actor="U_A", title="Write runbook").id
    with domain.unit() as ctx:
        changes = actions.ActionChanges(status=ActionStatus.DONE, owner="U_CAROL", due_date=None)
        action = actions.update_action(ctx, action_id, changes, actor="U_A")
        assert (action.status, action.owner, action.due_date) == (ActionStatus.DONE, "U_CAROL", None)
        assert action.finished_at == time_source.now()


def test_tracker_changes_are_not_echoed_back(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        action_id = actions.add_action(ctx, ref, actor="U_A", title="Patch", tracked=True).id
        actions.record_sync(ctx, action_id, state=SyncState.SYNCED, key="SAFE-1", url="https://jira/SAFE-1")
    before = outbox_topics(domain).count("action.changed")
    with domain.unit() as ctx:
        ctx.session.execute(update(OutboxMessage).values(state=DONE))
    with domain.unit() as ctx:
        past = time_source.now().date() - timedelta(days=3)
        action = actions.update_action(
            ctx,
            action_id,
            actions.ActionChanges(status=ActionStatus.DONE, due_date=past),
            actor="jira",
            tracked=True,
            from_tracker=True,
        )
        assert action.due_date == past and action.tracker_key == "SAFE-1"
    assert outbox_topics(domain).count("action.changed") == before


def test_action_refusals(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    yesterday = time_source.now().date() - timedelta(days=1)
    with pytest.raises(VigilError, match="past"), domain.unit() as ctx:
        actions.add_action(ctx, ref, actor="U_A", title="Late", due_date=yesterday)
    with pytest.raises(VigilError, match="title is required"), domain.unit() as ctx:
        actions.add_action(ctx, ref, actor="U_A", title="")
    with pytest.raises(NotFound), domain.unit() as ctx:
        actions.update_action(ctx, 999, actions.ActionChanges(title="x"), actor="U_A")
    with pytest.raises(VigilError, match="use one of"):
        actions.parse_priority("urgent!!")
    with pytest.raises(VigilError, match="use one of"):
        actions.parse_category("blame")
