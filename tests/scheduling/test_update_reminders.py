"""Status-update reminders: due per the severity's cadence, re-planned by updates and severity changes,
cancelled by resolution; the commander and deputy are nudged once per slot, however often the tick runs."""

from __future__ import annotations

from datetime import timedelta

from incidents import lifecycle, roles, timeline
from incidents.context import Domain
from incidents.enums import Severity
from incidents.queries import incident_to_show
from tests.conftest import START
from tests.helpers import declared_ref
from tests.scheduling.conftest import Seen, Ticker

MIN = timedelta(minutes=1)


def _declared(domain: Domain, **overrides: object) -> str:
    """An incident with no regulatory clock, so only update reminders fall due."""
    return declared_ref(domain, types=["fraud_scam"], **overrides)


def _incident_id(domain: Domain, ref: str) -> int:
    with domain.unit() as ctx:
        return incident_to_show(ctx, ref).id


def test_commander_and_deputy_are_nudged_once_when_the_first_update_is_late(domain: Domain, ticker: Ticker) -> None:
    ref = _declared(domain, severity=Severity.SEV1, roles={"deputy": "U_DEP"})
    subject = f"incident:{_incident_id(domain, ref)}"
    assert ticker(59 * MIN) == []
    nudged = ticker(MIN)
    assert nudged == [Seen("update_due", subject, START + 60 * MIN, ("U_ALICE", "U_DEP"))]
    assert ticker() == [] and ticker(29 * MIN) == []  # ticking again sends nothing new
    assert ticker(31 * MIN) == [Seen("update_due", subject, START + 120 * MIN, ("U_ALICE", "U_DEP"))]
    assert [topic for topic, _ in ticker.outbox()] == ["nudge.update_due", "nudge.update_due"]


def test_a_long_outage_sends_one_reminder_not_one_per_missed_slot(domain: Domain, ticker: Ticker) -> None:
    _declared(domain, severity=Severity.SEV0)  # every 30 minutes
    nudged = ticker(timedelta(hours=5, minutes=10))
    assert [n.due_at for n in nudged] == [START + timedelta(hours=5)]


def test_an_update_moves_the_next_reminder_to_its_promise(domain: Domain, ticker: Ticker) -> None:
    ref = _declared(domain, severity=Severity.SEV1)
    ticker(50 * MIN)
    with domain.unit() as ctx:
        timeline.post_update(ctx, ref, actor="U_ALICE", summary="Contained", next_update_in=timedelta(minutes=90))
    assert ticker(80 * MIN) == []  # 12:50 + 90 min = 14:20
    assert [n.due_at for n in ticker(10 * MIN)] == [START + timedelta(hours=2, minutes=20)]


def test_a_severity_change_re_plans_from_the_new_cadence(domain: Domain, ticker: Ticker) -> None:
    ref = _declared(domain, severity=Severity.SEV2)  # every 4 h
    with domain.unit() as ctx:
        timeline.post_update(ctx, ref, actor="U_ALICE", summary="Looking")  # next due 16:00
    ticker(20 * MIN)
    with domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U_ALICE", severity=Severity.SEV0, reason="Spreading")
    assert ticker(29 * MIN) == []
    assert [n.due_at for n in ticker(MIN)] == [START + 50 * MIN]  # 12:20 + 30 min, not 16:00
    with domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U_ALICE", severity=Severity.SEV3, reason="Contained")
    assert ticker(timedelta(hours=23)) == []  # daily now, counted from 12:50
    assert [n.due_at for n in ticker(timedelta(hours=1))] == [START + 50 * MIN + timedelta(days=1)]


def test_the_reminder_follows_the_current_commander(domain: Domain, ticker: Ticker) -> None:
    ref = _declared(domain, severity=Severity.SEV1)
    with domain.unit() as ctx:
        request = roles.handoff(ctx, ref, actor="U_ALICE", to="U_BOB")
    with domain.unit() as ctx:
        roles.accept_handoff(ctx, request.id, actor="U_BOB")
    assert [n.recipients for n in ticker(60 * MIN)] == [("U_BOB",)]


def test_resolving_cancels_reminders_and_sev4_has_none(domain: Domain, ticker: Ticker) -> None:
    ref = _declared(domain, severity=Severity.SEV1)
    _declared(domain, severity=Severity.SEV4, title="Near miss in review queue")
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE", note="Account suspended")
    assert ticker(timedelta(days=2)) == []
    with domain.unit() as ctx:
        lifecycle.reopen(ctx, ref, actor="U_ALICE", reason="New reports")
    assert [n.kind for n in ticker() if n.kind == "update_due"] == [
        "update_due"
    ]  # reopened after two silent days: an update is due now
