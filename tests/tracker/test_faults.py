"""Nothing lost, nothing doubled: outages, 429s, timeouts after create, dropped answers, restarts, and giving up
loudly once the retry budget is spent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emulators.jira import JiraEmulator
from incidents import actions
from incidents.context import Domain
from incidents.dispatcher import Dispatcher
from incidents.enums import SyncState
from incidents.models import Action
from incidents.outbox import FAILED, PENDING, OutboxMessage
from incidents.timesource import ManualTime
from incidents.tracker import TrackerSync, build_sync, resync
from incidents.tracker.port import TicketFields, TicketState
from tests.tracker.conftest import ArmBeforeCreate, Bot, add_action, make_dispatcher, settings_for, settle


def sync_states(domain: Domain) -> list[SyncState]:
    with domain.unit() as ctx:
        return [a.sync_state for a in ctx.session.query(Action).order_by(Action.id)]


def sync_row(domain: Domain) -> OutboxMessage:
    with domain.unit() as ctx:
        row = (
            ctx.session.query(OutboxMessage).filter_by(topic="action.changed").order_by(OutboxMessage.id.desc()).first()
        )
        assert row is not None
        ctx.session.expunge(row)
        return row


def test_outage_then_recovery_loses_nothing(
    domain: Domain, emu: JiraEmulator, dispatcher: Dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    emu.go_down()
    ids = [add_action(domain, incident_ref, title=f"Action {n}") for n in range(5)]
    for _ in range(3):
        dispatcher.drain()
        time_source.advance(timedelta(minutes=1))
    assert not emu.issues and sync_states(domain) == [SyncState.PENDING] * 5
    emu.come_up()
    settle(dispatcher, time_source)
    assert sorted(i.summary.split("] ")[1] for i in emu.issues.values()) == [f"Action {n}" for n in range(5)]
    assert sync_states(domain) == [SyncState.SYNCED] * len(ids)


def test_429_retry_after_is_honoured(
    domain: Domain, emu: JiraEmulator, dispatcher: Dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    add_action(domain, incident_ref)
    dispatcher.drain()  # builds the client (serverInfo) and creates the issue; warm-up
    add_action(domain, incident_ref, title="Second")
    emu.rate_limit_next(1, retry_after=120)
    before = time_source.now()
    dispatcher.run_once()
    row = sync_row(domain)
    assert row.available_at == before + timedelta(seconds=120) and "429" in (row.last_error or "")
    time_source.advance(timedelta(seconds=119))
    assert dispatcher.run_once() == 0
    time_source.advance(timedelta(seconds=1))
    dispatcher.drain()
    assert len(emu.issues) == 2 and sync_states(domain) == [SyncState.SYNCED] * 2


@pytest.mark.parametrize("fault", ["timeout", "drop"])
def test_create_answered_late_or_never_makes_no_duplicate(
    domain: Domain,
    emu: JiraEmulator,
    sync: TrackerSync,
    bot: Bot,
    time_source: ManualTime,
    incident_ref: str,
    fault: str,
) -> None:
    arm = (lambda: emu.timeout_next(1, seconds=1.0)) if fault == "timeout" else emu.accept_then_drop_next
    faulty = TrackerSync(domain, ArmBeforeCreate(sync.tracker, arm), sync.config)  # type: ignore[arg-type]
    dispatcher = make_dispatcher(domain, faulty, bot, time_source)
    add_action(domain, incident_ref)
    dispatcher.drain()
    assert len(emu.issues) == 1 and sync_states(domain) == [SyncState.PENDING]
    settle(make_dispatcher(domain, sync, bot, time_source), time_source)
    assert len(emu.issues) == 1 and sync_states(domain) == [SyncState.SYNCED]
    [issue] = emu.issues.values()
    assert issue.remote_links and issue.properties


class Crash(BaseException):
    """The process dying: not an Exception, so nothing on the way up handles it."""


def test_restart_mid_delivery_picks_up_without_duplicate(
    domain: Domain, emu: JiraEmulator, sync: TrackerSync, bot: Bot, time_source: ManualTime, incident_ref: str
) -> None:
    def crash() -> None:
        raise Crash

    class CrashAfterCreate(ArmBeforeCreate):
        def create(self, project: str, issue_type: str, fields: TicketFields) -> TicketState:
            self.inner.create(project, issue_type, fields)  # type: ignore[attr-defined]
            raise Crash

    dying = TrackerSync(domain, CrashAfterCreate(sync.tracker, crash), sync.config)  # type: ignore[arg-type]
    add_action(domain, incident_ref)
    with pytest.raises(Crash):
        make_dispatcher(domain, dying, bot, time_source).run_once()
    assert len(emu.issues) == 1
    time_source.advance(timedelta(seconds=61))  # the dead process's lease on the row expires
    fresh = build_sync(domain, settings_for(emu))  # a new process: new client, nothing in memory
    assert fresh is not None
    settle(make_dispatcher(domain, fresh, bot, time_source), time_source)
    assert len(emu.issues) == 1 and sync_states(domain) == [SyncState.SYNCED]


def test_an_outage_shorter_than_the_patience_never_gives_an_action_up(
    domain: Domain, emu: JiraEmulator, sync: TrackerSync, bot: Bot, time_source: ManualTime, incident_ref: str
) -> None:
    """Found by the chaos bench: a one-minute outage with errors around it spent an action's eight tries in two
    minutes, and its issue was never filed. Tries now go on (every five minutes at most) for an hour."""
    dispatcher = make_dispatcher(domain, sync, bot, time_source, max_attempts=3)
    emu.go_down()
    add_action(domain, incident_ref)
    for _ in range(10):  # 50 minutes down
        dispatcher.drain()
        time_source.advance(timedelta(minutes=5))
    assert sync_row(domain).state == PENDING and bot.sync_failures == []
    emu.come_up()
    settle(dispatcher, time_source)
    assert len(emu.issues) == 1 and sync_states(domain) == [SyncState.SYNCED]


def test_budget_spent_marks_sync_failed_tells_commander_once_and_resync_recovers(
    domain: Domain, emu: JiraEmulator, sync: TrackerSync, bot: Bot, time_source: ManualTime, incident_ref: str
) -> None:
    dispatcher = make_dispatcher(domain, sync, bot, time_source, max_attempts=3, patience=timedelta(0))
    emu.go_down()
    action_id = add_action(domain, incident_ref)
    for _ in range(4):
        dispatcher.drain()
        time_source.advance(timedelta(minutes=5))
    assert sync_row(domain).state == FAILED
    assert sync_states(domain) == [SyncState.SYNC_FAILED]
    assert bot.sync_failures == [action_id]
    sync.on_give_up(sync_row(domain), "again")  # a second give-up for the same failure says nothing new
    dispatcher.drain()
    assert bot.sync_failures == [action_id]

    assert resync(domain) == 1
    assert sync_states(domain) == [SyncState.PENDING]
    emu.come_up()
    settle(dispatcher, time_source)
    assert len(emu.issues) == 1 and sync_states(domain) == [SyncState.SYNCED]
    assert resync(domain) == 0


def test_jira_refusal_fails_at_once_with_the_reason(
    domain: Domain, emu: JiraEmulator, bot: Bot, time_source: ManualTime, incident_ref: str
) -> None:
    sync = build_sync(domain, settings_for(emu, jira_project="NOPE"))
    assert sync is not None
    add_action(domain, incident_ref)
    dispatcher = make_dispatcher(domain, sync, bot, time_source)
    dispatcher.drain()
    assert sync_states(domain) == [SyncState.SYNC_FAILED] and not emu.issues
    with domain.unit() as ctx:
        [notice] = ctx.session.query(OutboxMessage).filter_by(topic="action.sync_failed").all()
        assert "valid project is required" in notice.payload["reason"]
    assert len(bot.sync_failures) == 1


def test_two_deliveries_for_one_action_at_once_make_one_issue(
    domain: Domain, emu: JiraEmulator, dispatcher: Dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    """An edit made while the first delivery waits on backoff gets its own outbox row; both rows come due together
    and run on two workers. The per-action claim makes the second wait instead of creating a twin."""
    emu.go_down()
    action_id = add_action(domain, incident_ref)
    dispatcher.drain()
    with domain.unit() as ctx:
        changes = actions.ActionChanges(title="Rotate and revoke the keys")
        actions.update_action(ctx, action_id, changes, actor="U_ALICE", tracked=True)
        assert ctx.session.query(OutboxMessage).filter_by(topic="action.changed", state="pending").count() == 2
    emu.latency_ms = 50  # keep the first create in flight while the second delivery starts
    emu.come_up()
    time_source.advance(timedelta(minutes=5))
    settle(dispatcher, time_source)
    assert len(emu.issues) == 1 and sync_states(domain) == [SyncState.SYNCED]
    assert next(iter(emu.issues.values())).summary.endswith("Rotate and revoke the keys")
