"""Weekly digests: one per week whatever the number of runs; restricted incidents appear only as counts."""

from __future__ import annotations

from datetime import date, timedelta

from incidents import actions, lifecycle
from incidents.clocks import service as clocks
from incidents.context import Domain
from incidents.enums import Severity, Status
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.jobs import actions_digest, leadership_digest
from tests.conftest import START
from tests.helpers import declared_ref

H = timedelta(hours=1)
MONDAY_9 = START.replace(hour=9) + timedelta(days=7)  # the next weekly slot (digest_at "mon 09:00")


def _week_of_incidents(domain: Domain) -> dict[str, str]:
    refs = {
        "threat": declared_ref(domain, severity=Severity.SEV1, roles={"legal": "U_LEGAL"}, region="EMEA"),
        "scam": declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV2, region="AMS", title="Scam wave"),
        "selfharm": declared_ref(
            domain, types=["suicide_self_harm"], severity=Severity.SEV0, region="APAC", title="Livestream case"
        ),
    }
    domain.time_source.advance(30 * timedelta(minutes=1))
    with domain.unit() as ctx:
        clocks.satisfy_clock(ctx, refs["threat"], actor="U_LEGAL", regime="eu_dsa_art18", reference_id="POL-1")
        lifecycle.change_status(ctx, refs["threat"], actor="U_ALICE", status=Status.MITIGATED)
        actions.add_action(
            ctx, refs["scam"], actor="U_A", title="Ban scam domains", owner="U_B", due_date=date(2026, 11, 24)
        )
        actions.add_action(
            ctx, refs["selfharm"], actor="U_A", title="Review escalation path", due_date=date(2026, 11, 24)
        )
    domain.time_source.advance(90 * timedelta(minutes=1))
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, refs["selfharm"], actor="U_ALICE")  # mitigated 2 h after declaration
    return refs


def test_leadership_digest_summarises_the_week_and_only_counts_restricted_incidents(domain: Domain) -> None:
    refs = _week_of_incidents(domain)
    config = SchedulingSettings()
    domain.time_source.set(MONDAY_9 + 5 * timedelta(minutes=1))
    [digest] = leadership_digest(domain, config, "C_LEADERS")
    assert digest.subject == "channel:C_LEADERS" and digest.due_at == MONDAY_9
    summary = digest.details
    assert summary["declared"] == 3 and summary["restricted"] == 1
    assert summary["by_severity"] == {"SEV0": 1, "SEV1": 1, "SEV2": 1}
    assert summary["by_type"] == {"fraud_scam": 1, "suicide_self_harm": 1, "threat_violence": 1}
    assert summary["by_region"] == {"AMS": 1, "APAC": 1, "EMEA": 1}
    assert summary["mitigated"] == 2 and summary["median_minutes_to_mitigate"] == 75  # 30 min and 120 min
    assert (summary["clocks_met"], summary["clocks_missed"], summary["clocks_overdue"]) == (1, 0, 1)
    assert summary["actions_overdue"] == 2
    assert summary["open_by_severity"] == {"SEV1": 1, "SEV2": 1}
    assert [n["ref"] for n in summary["notable"]] == [refs["threat"]]  # the SEV0 is restricted: counted only
    assert leadership_digest(domain, config, "C_LEADERS") == []
    domain.time_source.advance(timedelta(days=7))
    [next_week] = leadership_digest(domain, config, "C_LEADERS")
    assert next_week.due_at == MONDAY_9 + timedelta(days=7) and next_week.details["declared"] == 0


def test_actions_digest_lists_overdue_actions_of_standard_incidents_only(domain: Domain) -> None:
    refs = _week_of_incidents(domain)
    config = SchedulingSettings(actions_digest_channel="C_ACTIONS")
    domain.time_source.set(MONDAY_9)
    [digest] = actions_digest(domain, config)
    assert digest.details["total"] == 2 and digest.details["restricted"] == 1
    assert [(a["ref"], a["title"], a["owner"]) for a in digest.details["actions"]] == [
        (refs["scam"], "Ban scam domains", "U_B")
    ]
    assert actions_digest(domain, config) == []
    assert actions_digest(domain, SchedulingSettings()) == []  # no channel configured: no digest


def test_the_digest_week_is_the_latest_slot() -> None:
    weekly = SchedulingSettings(digest_at="fri 16:30").weekly
    assert weekly.last(START) == START.replace(day=20, hour=16, minute=30)  # Monday → the Friday before
    assert weekly.last(START.replace(day=27, hour=16, minute=30)) == START.replace(day=27, hour=16, minute=30)
