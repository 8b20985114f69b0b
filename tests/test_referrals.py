"""Referrals in the domain: the policy's kinds, the status machine, the timeline, personal-data scanning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from incidents.context import Domain
from incidents.errors import ConfigError, NotFound, VigilError
from incidents.policy import load_policy
from incidents.queries import incident_to_show
from incidents.referrals import service as referrals
from incidents.referrals.models import ReferralStatus
from incidents.referrals.service import UNSET, ReferralChanges
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.models import Nudge, NudgeKind
from incidents.scheduling.tick import tick
from incidents.timesource import ManualTime
from tests.helpers import declared_ref, outbox_topics
from tests.test_cli import Run, one_line
from tests.test_cli import vigil as vigil  # the fixture


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("referral_kinds:\n  dispute: {label: Dispute}\n", "referral_kinds.dispute.due_days: Field required"),
        ("referral_kinds:\n  dispute: {label: Dispute, due_days: 0}\n", "referral_kinds.dispute.due_days"),
        (
            "referral_kinds:\n  dispute: {label: Dispute, due_days: 3, jira_project: 'not a key'}\n",
            "referral_kinds.dispute.jira_project",
        ),
        (
            "referral_kinds:\n  dispute: {label: Dispute, due_days: 3, jira_project: DISPUTE, jira_issue_type: ''}\n",
            "referral_kinds.dispute.jira_issue_type: String should have at least 1 character",
        ),
        ("referral_kinds:\n  Dispute!: {label: Dispute, due_days: 3}\n", "referral_kinds.Dispute!.[key]"),
        ("referral_kinds:\n  dispute: {label: Dispute, due_days: 3, sla: 4}\n", "referral_kinds.dispute.sla"),
    ],
)
def test_invalid_referral_kinds_name_the_file_kind_and_field(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert str(path) in refused.value.message
    assert words in refused.value.message


def test_the_default_pack_ships_the_referral_kinds_of_the_dispute_process() -> None:
    kinds = load_policy().referral_kinds
    assert {"user_dispute", "insurance_claim", "law_enforcement", "support", "wellbeing_services"} <= set(kinds)
    assert kinds["user_dispute"].label == "User dispute"
    assert (kinds["user_dispute"].jira_project, kinds["insurance_claim"].jira_project) == ("DISPUTE", "CLAIMS")
    assert kinds["law_enforcement"].jira_project is None


def test_a_referral_opens_with_the_kinds_due_date_and_goes_on_the_timeline(
    domain: Domain, time_source: ManualTime
) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        referral = referrals.open_referral(
            ctx, ref, actor="U_ALICE", kind="User dispute", owner="U_BOB", external_ref=" DSP-1 ", note="Host claim"
        )
        rid = referral.id
        assert (referral.kind, referral.status, referral.external_ref) == (
            "user_dispute",
            ReferralStatus.REQUESTED,
            "DSP-1",
        )
        assert referral.due_date == time_source.now().date() + timedelta(days=14)
    with domain.unit() as ctx:
        entry = incident_to_show(ctx, ref).timeline[-1]
        assert entry.text == f"Referral #{rid} opened: User dispute (owner <@U_BOB>, due 2026-12-07, reference DSP-1)"
        assert entry.data["referral_id"] == rid
    assert "incident.timeline" in outbox_topics(domain)


def test_a_referral_walks_to_closure_with_a_timestamp_per_step(domain: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        rid = referrals.open_referral(ctx, ref, actor="U_ALICE", kind="insurance_claim").id
    steps = [ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.DECIDED, ReferralStatus.CLOSED]
    for status in steps:
        time_source.advance(timedelta(hours=1))
        with domain.unit() as ctx:
            outcome = "Claim paid in full" if status is ReferralStatus.DECIDED else None
            referrals.update_referral(ctx, rid, ReferralChanges(status=status, outcome=outcome), actor="U_BOB")
    with domain.unit() as ctx:
        referral = referrals.get_referral(ctx, rid)
        assert referral.status is ReferralStatus.CLOSED
        assert referral.outcome == "Claim paid in full"
        hours = [(t - referral.requested_at).total_seconds() / 3600 for t in _stamps(referral)]
        assert hours == [1, 2, 3, 4]
        texts = [e.text for e in incident_to_show(ctx, ref).timeline if e.data.get("referral_id") == rid]
        assert texts[3] == f"Referral #{rid} (Insurance / claims): decided: Claim paid in full"


def _stamps(referral: referrals.Referral) -> list:
    return [referral.accepted_at, referral.in_progress_at, referral.decided_at, referral.closed_at]


def test_transitions_are_checked_and_the_refusal_names_the_next_states(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        rid = referrals.open_referral(ctx, ref, actor="U_ALICE", kind="support").id
    with domain.unit() as ctx, pytest.raises(VigilError) as refused:
        referrals.update_referral(ctx, rid, ReferralChanges(status=ReferralStatus.CLOSED), actor="U_A")
    assert refused.value.message == (
        f"Referral #{rid} is requested: it can move to accepted or in_progress or decided or declined, not closed."
    )
    assert "\n" not in refused.value.message
    with domain.unit() as ctx, pytest.raises(VigilError, match="A reason to decline is required"):
        referrals.update_referral(ctx, rid, ReferralChanges(status=ReferralStatus.DECLINED), actor="U_A")
    with domain.unit() as ctx, pytest.raises(VigilError, match="An outcome is required"):
        referrals.update_referral(ctx, rid, ReferralChanges(status=ReferralStatus.DECIDED), actor="U_A")
    with domain.unit() as ctx:
        changes = ReferralChanges(status=ReferralStatus.DECLINED, reason="Out of the support team's scope")
        referrals.update_referral(ctx, rid, changes, actor="U_A")
    with domain.unit() as ctx, pytest.raises(VigilError) as refused:
        referrals.update_referral(ctx, rid, ReferralChanges(status=ReferralStatus.ACCEPTED), actor="U_A")
    assert refused.value.message.endswith("it can move to nothing (it is finished), not accepted.")
    with domain.unit() as ctx:
        referral = referrals.get_referral(ctx, rid)
        assert (referral.reason, referral.declined_at is not None) == ("Out of the support team's scope", True)


def test_reporting_the_same_decision_twice_changes_nothing(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        rid = referrals.open_referral(ctx, ref, actor="U_ALICE", kind="user_dispute").id
    decided = ReferralChanges(status=ReferralStatus.DECIDED, outcome="Refund granted")
    for _ in range(2):
        with domain.unit() as ctx:
            referrals.update_referral(ctx, rid, decided, actor="api:cases")
    with domain.unit() as ctx:
        entries = [e for e in incident_to_show(ctx, ref).timeline if e.data.get("referral_id") == rid]
        assert len(entries) == 2


def test_unknown_kind_status_past_due_and_missing_referral_are_refused(domain: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx, pytest.raises(VigilError, match="Unknown referral kind 'pizza': use one of user_"):
        referrals.open_referral(ctx, ref, actor="U_A", kind="pizza")
    with domain.unit() as ctx, pytest.raises(VigilError, match="due date is in the past"):
        referrals.open_referral(ctx, ref, actor="U_A", kind="support", due_date=date(2020, 1, 1))
    with pytest.raises(VigilError, match="Unknown referral status 'done'"):
        referrals.parse_status("done")
    with domain.unit() as ctx, pytest.raises(NotFound, match="No referral #999"):
        referrals.update_referral(ctx, 999, ReferralChanges(owner="U_B"), actor="U_A")


def test_free_text_is_scanned_for_personal_data(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        rid = referrals.open_referral(ctx, ref, actor="U_A", kind="user_dispute", note="Call jane.doe@example.com").id
    with domain.unit() as ctx:
        referrals.update_referral(
            ctx, rid, ReferralChanges(status=ReferralStatus.DECIDED, outcome="Paid to jane.doe@example.com"), actor="U"
        )
    with domain.unit() as ctx:
        found = referrals.get_referral(ctx, rid).pii
        assert found is not None and {"note", "outcome"} <= set(found["f"])


def test_overdue_and_describe(domain: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        referral = referrals.open_referral(ctx, ref, actor="U_A", kind="law_enforcement", owner="U_LEGAL")
        today = time_source.now().date()
        assert not referrals.is_overdue(referral, today)
        assert referrals.is_overdue(referral, today + timedelta(days=3))
        assert referrals.describe(referral, ctx.policy, today + timedelta(days=3)) == (
            f"#{referral.id} Law enforcement: Requested, owner <@U_LEGAL>, due 2026-11-25 (overdue)"
        )


def _overdue_nudges(domain: Domain) -> list[tuple[datetime, list[str], str]]:
    """Run the scheduler's tick, then every referral nudge recorded so far: when, for whom, in which status."""
    tick(domain, SchedulingSettings())
    with domain.unit() as ctx:
        query = select(Nudge).where(Nudge.kind == NudgeKind.REFERRAL_OVERDUE.value).order_by(Nudge.id)
        return [(n.due_at, n.recipients, n.details["status"]) for n in ctx.session.scalars(query)]


def test_an_overdue_referral_is_nudged_once_a_week_until_it_is_decided(domain: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:  # law enforcement referrals are due in 2 days: 2026-11-25
        rid = referrals.open_referral(ctx, ref, actor="U_ALICE", kind="law_enforcement", owner="U_LEGAL").id
    time_source.set(datetime(2026, 11, 25, 23, 0, tzinfo=UTC))
    assert _overdue_nudges(domain) == [], "not overdue on its due day"
    time_source.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    first = (datetime(2026, 11, 26, tzinfo=UTC), ["U_LEGAL"], "requested")
    assert _overdue_nudges(domain) == [first]
    time_source.advance(timedelta(days=3))
    assert _overdue_nudges(domain) == [first], "once per week, however often the scheduler ticks"
    time_source.set(datetime(2026, 12, 3, 0, 0, tzinfo=UTC))
    with domain.unit() as ctx:
        referrals.update_referral(ctx, rid, ReferralChanges(status=ReferralStatus.ACCEPTED), actor="U_LEGAL")
    second = (datetime(2026, 12, 3, tzinfo=UTC), ["U_LEGAL"], "accepted")
    assert _overdue_nudges(domain) == [first, second]
    with domain.unit() as ctx:  # a new due date starts over; without an owner the commander hears of it
        changes = ReferralChanges(owner=None, due_date=date(2026, 12, 5))
        referrals.update_referral(ctx, rid, changes, actor="U_ALICE")
    time_source.set(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))
    third = (datetime(2026, 12, 6, tzinfo=UTC), ["U_ALICE"], "accepted")
    assert _overdue_nudges(domain) == [first, second, third]
    with domain.unit() as ctx:
        decided = ReferralChanges(status=ReferralStatus.DECIDED, outcome="No further action", due_date=UNSET)
        referrals.update_referral(ctx, rid, decided, actor="U_LEGAL")
    time_source.advance(timedelta(days=8))
    assert len(_overdue_nudges(domain)) == 3


def test_a_referral_moves_only_within_its_incident_and_says_from_and_to(domain: Domain) -> None:
    ref, other = declared_ref(domain), declared_ref(domain)
    with domain.unit() as ctx:
        rid = referrals.open_referral(ctx, ref, actor="U_A", kind="user_dispute").id
    accepted = ReferralStatus.ACCEPTED
    with domain.unit() as ctx, pytest.raises(NotFound, match=f"No referral #{rid} on {other}"):
        referrals.move_referral(ctx, rid, accepted, actor="U_A", ref=other)
    with domain.unit() as ctx, pytest.raises(VigilError, match="take text, not accepted"):
        referrals.move_referral(ctx, rid, accepted, actor="U_A", said="Because")
    with domain.unit() as ctx:
        said = referrals.move_referral(ctx, rid, accepted, actor="U_A", ref=ref.lower())[1]
        assert said == f"Referral #{rid} (User dispute) of {ref}: requested → accepted."
        said = referrals.move_referral(ctx, rid, accepted, actor="U_A")[1]
        assert said == f"Referral #{rid} (User dispute) of {ref} is already accepted: nothing changed."
        referrals.move_referral(ctx, rid, ReferralStatus.DECIDED, actor="U_A", said="Refund")
        said = referrals.move_referral(ctx, rid, ReferralStatus.DECIDED, actor="U_A", said="Partial refund")[1]
        assert said == f"Referral #{rid} (User dispute) of {ref}: still decided, its outcome changed."


def test_the_terminal_opens_lists_and_moves_referrals(vigil: Run, domain: Domain) -> None:
    ref = declared_ref(domain)
    code, out, err = vigil(
        "--as", "U_ALICE", "refer", ref, "--kind", "insurance claim", "--owner", "U_BOB", "--due", "2099-01-31",
        "--external-ref", "CLM-7", "--note", "Damage to the flat",
    )  # fmt: skip
    assert (code, err) == (0, "")
    rid = int(out.split("#")[1].split()[0])
    assert out == (
        f"Opened on {ref}: #{rid} Insurance / claims: requested, owner U_BOB, due 2099-01-31, reference CLM-7. "
        f"`vigil referral {rid} STATUS` moves it along.\n"
    )
    moved = vigil("--as", "U_BOB", "referral", str(rid), "decided", "--outcome", "Paid \x1b[31min full")
    assert moved[:2] == (0, f"Referral #{rid} (Insurance / claims) of {ref}: requested → decided.\n")
    code, out, _ = vigil("referrals", ref)
    assert (code, out) == (
        0,
        f"{ref}: 1 referral, 0 open\n"
        f"#{rid} Insurance / claims: decided: Paid in full, owner U_BOB, due 2099-01-31, reference CLM-7\n",
    )
    for argv, words in (
        (("referral", str(rid), "accepted"), "it can move to closed, not accepted"),
        (("referral", str(rid), "closed", "--reason", "x"), "--reason goes with declined, not closed"),
        (("referral", str(rid), "done"), "Unknown referral status 'done'"),
        (("refer", ref, "--kind", "pizza"), "Unknown referral kind 'pizza'"),
        (("referral", "999999", "closed"), "No referral #999999"),
    ):
        code, out, err = vigil("--as", "U_BOB", *argv)
        assert code != 0 and out == "" and one_line(err) and words in err, (argv, err)
