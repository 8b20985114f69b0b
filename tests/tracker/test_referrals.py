"""A referral whose kind names a Jira project is filed there once, through the outbox, and its issue follows it;
restricted incidents' referrals carry structured facts only, and Jira's own changes to the issue are not read
back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from emulators.jira import JiraEmulator
from emulators.jira.model import Issue
from incidents.context import Domain
from incidents.dispatcher import Dispatcher
from incidents.enums import Tier
from incidents.models import TimelineEntry
from incidents.outbox import DONE, OutboxMessage, Topic
from incidents.parties import service as parties
from incidents.parties.models import PartyRole
from incidents.referrals import service as referrals
from incidents.referrals.models import Referral, ReferralStatus
from incidents.timesource import ManualTime
from incidents.tracker import TrackerSync, reconcile, tracker_handlers
from incidents.tracker.content import wiki_text
from tests.helpers import declare
from tests.tracker.conftest import ArmBeforeCreate, Bot, make_dispatcher, person, settle

NOTE = "Host asks for a *full* refund [receipts in {the} thread]\nh1. urgent - call back"


@pytest.fixture
def disputes(emu: JiraEmulator) -> JiraEmulator:
    """The Jira site has the default pack's dispute project (the claims project is left out on purpose)."""
    emu.add_project(key="DISPUTE", name="User disputes", issue_types=["Task"])
    return emu


def refer(domain: Domain, ref: str, kind: str = "user_dispute", **extra: object) -> int:
    with domain.unit() as ctx:
        return referrals.open_referral(ctx, ref, actor="U_ALICE", kind=kind, **extra).id  # type: ignore[arg-type]


def move(domain: Domain, referral_id: int, status: ReferralStatus, said: str = "") -> None:
    with domain.unit() as ctx:
        referrals.move_referral(ctx, referral_id, status, actor="U_ALICE", said=said)


def referral_row(domain: Domain, referral_id: int) -> Referral:
    with domain.unit() as ctx:
        referral = ctx.session.get(Referral, referral_id)
        assert referral is not None
        ctx.session.expunge(referral)
        return referral


def sent(issue: Issue) -> str:
    """Everything the issue says, wherever it says it."""
    return " ".join(
        [issue.summary, str(issue.description), *issue.labels, *(str(lk.object) for lk in issue.remote_links)]
    )


def test_a_dispute_referral_is_filed_once_in_its_project_with_every_field(
    domain: Domain, disputes: JiraEmulator, dispatcher: Dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    bob = disputes.add_user("bob@example.org", "Bob Jones")
    person(domain, "U_BOB", "bob@example.org", "Bob")
    rid = refer(domain, incident_ref, owner="U_BOB", due_date=date(2026, 12, 15), external_ref="DSP-77", note=NOTE)
    settle(dispatcher, time_source)

    [issue] = disputes.issues.values()
    assert (issue.project, issue.issue_type, issue.status) == ("DISPUTE", "Task", "To Do")
    assert issue.summary == f"[{incident_ref}] User dispute: Credible threat against a host"
    description = str(issue.description)
    assert f"User dispute referral #{rid} from incident {incident_ref} (SEV1): Credible threat against a host." in (
        description
    )
    assert "Their reference: DSP\\-77" in description
    assert f"Note: {wiki_text(NOTE)}" in description and "\\*full\\* refund \\[receipts in \\{the\\} thread\\]" in (
        description
    )
    assert "\nh1&#46; urgent \\- call back" in description
    assert f"https://vigil.example.org/web/incidents/{incident_ref}" in description
    label = f"vigil-referral-{incident_ref.lower()}-{rid}"
    assert sorted(issue.labels) == sorted(["referral", "user_dispute", incident_ref.lower(), "sev1", label])
    assert (issue.assignee, issue.duedate) == (bob.account_id, "2026-12-15")
    [link] = issue.remote_links
    assert link.global_id == f"vigil:referral:{rid}"
    assert issue.properties["vigil"] == {
        "referralId": str(rid),
        "kind": "user_dispute",
        "incident": incident_ref,
        "install": "vigil",
    }
    assert referral_row(domain, rid).tracker_key == issue.key
    creates = [r for r in disputes.requests if r.method == "POST" and r.path.endswith("/issue")]
    assert len(creates) == 1
    with domain.unit() as ctx:
        line = referrals.describe(referrals.get_referral(ctx, rid), ctx.policy, time_source.now().date())
    assert line.endswith(f"reference DSP-77, Jira {issue.key}")


def test_the_issue_follows_the_referral_to_its_decision_and_closure(
    domain: Domain, disputes: JiraEmulator, dispatcher: Dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    rid = refer(domain, incident_ref)
    settle(dispatcher, time_source)
    [key] = disputes.issues
    move(domain, rid, ReferralStatus.ACCEPTED)
    settle(dispatcher, time_source)
    assert disputes.issues[key].status == "In Progress"
    move(domain, rid, ReferralStatus.DECIDED, said="Partial refund (50%) granted")
    settle(dispatcher, time_source)
    issue = disputes.issues[key]
    assert (issue.status, issue.resolution) == ("Done", "Done")
    assert "Status: Decided" in issue.description and "Outcome: Partial refund \\(50\\%\\) granted" in issue.description
    move(domain, rid, ReferralStatus.CLOSED)
    settle(dispatcher, time_source)
    issue = disputes.issues[key]
    assert (issue.status, len(disputes.issues)) == ("Done", 1) and "Status: Closed" in issue.description

    declined = refer(domain, incident_ref)
    move(domain, declined, ReferralStatus.DECLINED, said="Not a dispute")
    settle(dispatcher, time_source)
    refused = disputes.issues[referral_row(domain, declined).tracker_key or ""]
    assert (refused.status, refused.resolution) == ("Done", "Won't Do")
    assert "Declined because: Not a dispute" in refused.description


def test_jira_down_files_the_referral_once_it_is_back(
    domain: Domain, disputes: JiraEmulator, dispatcher: Dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    disputes.go_down()
    rid = refer(domain, incident_ref)
    move(domain, rid, ReferralStatus.ACCEPTED)
    for _ in range(3):
        dispatcher.drain()
        time_source.advance(timedelta(minutes=1))
    assert not disputes.issues and referral_row(domain, rid).tracker_key is None
    disputes.come_up()
    settle(dispatcher, time_source)
    [issue] = disputes.issues.values()
    assert issue.status == "In Progress" and referral_row(domain, rid).tracker_key == issue.key


@pytest.mark.parametrize("fault", ["timeout", "drop"])
def test_a_lost_answer_to_the_create_does_not_file_twice(
    domain: Domain,
    disputes: JiraEmulator,
    sync: TrackerSync,
    bot: Bot,
    time_source: ManualTime,
    incident_ref: str,
    fault: str,
) -> None:
    arm = (lambda: disputes.timeout_next(1, seconds=1.0)) if fault == "timeout" else disputes.accept_then_drop_next
    faulty = TrackerSync(domain, ArmBeforeCreate(sync.tracker, arm), sync.config)  # type: ignore[arg-type]
    rid = refer(domain, incident_ref)
    make_dispatcher(domain, faulty, bot, time_source).drain()
    assert len(disputes.issues) == 1 and referral_row(domain, rid).tracker_key is None
    settle(make_dispatcher(domain, sync, bot, time_source), time_source)
    [issue] = disputes.issues.values()
    assert referral_row(domain, rid).tracker_key == issue.key and issue.remote_links and issue.properties


def test_a_restricted_incidents_referral_issue_carries_structured_facts_only(
    domain: Domain, disputes: JiraEmulator, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    with domain.unit() as ctx:
        ref = declare(ctx, title="Minor groomed on the platform", summary="Victim aged 13", tier=Tier.RESTRICTED).ref
        parties.add_party(ctx, ref, actor="U_ALICE", role=PartyRole.AFFECTED_PERSON, name="Jane Roe")
    rid = refer(domain, ref, external_ref="CASE-Roe-13", note="Jane Roe's parents want the host banned")
    move(domain, rid, ReferralStatus.DECIDED, said="Host banned after Jane Roe's statement")
    settle(dispatcher, time_source)
    [issue] = disputes.issues.values()
    text = sent(issue)
    assert f"[{ref}] Referral {rid} (User dispute)" == issue.summary and "Status: Decided" in text
    for secret in ("groomed", "Victim", "Roe", "Jane", "CASE", "banned", "parents"):
        assert secret.lower() not in text.lower()
    assert "13" not in text.replace(ref, "")
    assert issue.status == "Done"


def test_a_kind_without_a_project_files_nothing(
    domain: Domain, disputes: JiraEmulator, dispatcher: Dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    rid = refer(domain, incident_ref, kind="support")
    move(domain, rid, ReferralStatus.ACCEPTED)
    settle(dispatcher, time_source)
    with domain.unit() as ctx:
        topics = set(ctx.session.scalars(select(OutboxMessage.topic)))
    assert Topic.REFERRAL_CHANGED not in topics
    assert not disputes.issues and referral_row(domain, rid).tracker_key is None


def test_without_jira_a_dispute_referral_opens_and_files_nothing(
    domain: Domain, time_source: ManualTime, incident_ref: str
) -> None:
    rid = refer(domain, incident_ref)
    Dispatcher(domain.factory, tracker_handlers(None), time_source).drain()
    with domain.unit() as ctx:
        states = {row.state for row in ctx.session.scalars(select(OutboxMessage).filter_by(topic="referral.changed"))}
    assert states == {DONE}
    assert referral_row(domain, rid).status is ReferralStatus.REQUESTED


def test_a_project_jira_refuses_is_told_on_the_timeline_once_and_filed_once_it_exists(
    domain: Domain, emu: JiraEmulator, dispatcher: Dispatcher, bot: Bot, time_source: ManualTime, incident_ref: str
) -> None:
    rid = refer(domain, incident_ref, kind="insurance_claim")  # the default pack's CLAIMS, not on this site
    settle(dispatcher, time_source)
    move(domain, rid, ReferralStatus.ACCEPTED)
    settle(dispatcher, time_source)
    told = [p for p in bot.posts if "could not be filed in Jira" in p]
    assert len(told) == 1 and told[0].startswith(f"Referral #{rid} (Insurance / claims) could not be filed in Jira")
    assert not emu.issues
    emu.add_project(key="CLAIMS", name="Claims", issue_types=["Task"])
    move(domain, rid, ReferralStatus.IN_PROGRESS)
    settle(dispatcher, time_source)
    [issue] = emu.issues.values()
    assert issue.project == "CLAIMS" and referral_row(domain, rid).tracker_key == issue.key


def test_jira_changes_to_a_referrals_issue_are_not_read_back(
    domain: Domain,
    disputes: JiraEmulator,
    sync: TrackerSync,
    dispatcher: Dispatcher,
    time_source: ManualTime,
    incident_ref: str,
    hooked: object,
) -> None:
    rid = refer(domain, incident_ref)
    settle(dispatcher, time_source)
    [key] = disputes.issues
    with domain.unit() as ctx:
        entries = ctx.session.query(TimelineEntry).count()
    disputes.transition(key, "Done")
    delivered = disputes.wait_for_deliveries(len(disputes.deliveries))  # its creation, edits and the transition
    assert any(b"Done" in d.body for d in delivered) and all(d.status == 200 for d in delivered)
    assert reconcile(domain, sync.tracker) == 0
    with domain.unit() as ctx:
        assert ctx.session.query(TimelineEntry).count() == entries
    assert referral_row(domain, rid).status is ReferralStatus.REQUESTED
