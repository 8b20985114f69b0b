"""Nudges to people: action owners before and after due dates, review owners until publication, hand-offs at
follow-the-sun boundaries and their escalation, rotation prompts on long SEV0/1 shifts, and private check-ins."""

from __future__ import annotations

from datetime import date, timedelta

from incidents import actions, lifecycle, roles, timeline
from incidents.context import Domain
from incidents.enums import ActionStatus, Severity
from incidents.reviews import service as reviews
from incidents.scheduling.config import SchedulingSettings, parse_boundary
from incidents.scheduling.jobs import handoff_boundary
from tests.conftest import START
from tests.helpers import declared_ref
from tests.scheduling.conftest import Seen, Ticker

H = timedelta(hours=1)
DAY = timedelta(days=1)


def _quiet(domain: Domain, **overrides: object) -> str:
    """A SEV3 incident without clocks: only the nudge under test falls due (daily updates aside)."""
    fields: dict[str, object] = {"types": ["fraud_scam"], "severity": Severity.SEV3}
    return declared_ref(domain, **{**fields, **overrides})


def _kinds(seen: list[Seen], *kinds: str) -> list[Seen]:
    return [n for n in seen if n.kind in kinds]


def test_action_owner_is_told_the_day_before_and_once_overdue(domain: Domain, ticker: Ticker) -> None:
    ref = _quiet(domain)
    with domain.unit() as ctx:
        action = actions.add_action(
            ctx, ref, actor="U_ALICE", title="Rotate API keys", owner="U_BOB", due_date=date(2026, 11, 26)
        )
        undated = actions.add_action(ctx, ref, actor="U_ALICE", title="Write runbook", owner="U_BOB")
    subject = f"action:{action.id}"
    assert _kinds(ticker(timedelta(hours=35)), "action_due_soon") == []  # Tuesday 23:00
    soon = _kinds(ticker(H), "action_due_soon")
    assert soon == [Seen("action_due_soon", subject, START.replace(day=25, hour=0), ("U_BOB",))]
    assert _kinds(ticker(DAY), "action_due_soon", "action_overdue") == []  # due today: still not overdue
    overdue = _kinds(ticker(DAY), "action_overdue")
    assert overdue == [Seen("action_overdue", subject, START.replace(day=27, hour=0), ("U_BOB",))]
    assert _kinds(ticker(7 * DAY), "action_due_soon", "action_overdue") == []
    assert undated.id not in {int(n.subject.split(":")[1]) for n in _kinds(ticker.all(), "action_overdue")}


def test_finished_actions_are_left_alone_and_a_new_due_date_reminds_again(domain: Domain, ticker: Ticker) -> None:
    ref = _quiet(domain)
    with domain.unit() as ctx:
        done = actions.add_action(ctx, ref, actor="U_A", title="Block", owner="U_BOB", due_date=date(2026, 11, 24))
        moved = actions.add_action(ctx, ref, actor="U_A", title="Audit", owner="U_CAT", due_date=date(2026, 11, 24))
    with domain.unit() as ctx:
        actions.update_action(ctx, done.id, actor="U_BOB", changes=actions.ActionChanges(status=ActionStatus.DONE))
    assert [n.recipients for n in _kinds(ticker(H), "action_due_soon")] == [("U_CAT",)]
    with domain.unit() as ctx:
        actions.update_action(ctx, moved.id, actor="U_CAT", changes=actions.ActionChanges(due_date=date(2026, 12, 1)))
    assert _kinds(ticker(3 * DAY), "action_overdue") == []
    assert [n.due_at.date() for n in _kinds(ticker(4 * DAY), "action_due_soon")] == [date(2026, 11, 30)]


def test_review_owner_is_reminded_until_the_review_is_published(domain: Domain, ticker: Ticker) -> None:
    ref = declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1)
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    reminders = lambda advance: _kinds(ticker(advance), "review_due")  # noqa: E731
    assert reminders(3 * DAY - H) == []
    assert [(n.due_at, n.recipients) for n in reminders(H)] == [(START + 3 * DAY, ("U_ALICE",))]
    with domain.unit() as ctx:
        reviews.get_or_start_review(ctx, ref, actor="U_CAROL")  # whoever starts it owns it
    assert [(n.due_at, n.recipients) for n in reminders(2 * DAY)] == [(START + 5 * DAY, ("U_CAROL",))]
    with domain.unit() as ctx:
        reviews.update_review(ctx, ref, reviews.ReviewFields(executive_summary="Scam ring removed"), actor="U_CAROL")
        reviews.submit_for_review(ctx, ref, actor="U_CAROL")
        reviews.publish_review(ctx, ref, actor="U_CAROL")
    assert reminders(10 * DAY) == []


def test_severities_without_a_required_review_get_no_reminder(domain: Domain, ticker: Ticker) -> None:
    ref = _quiet(domain)
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    assert _kinds(ticker(30 * DAY), "review_due") == []


def test_follow_the_sun_asks_commanders_of_open_sev0_to_sev2_incidents_once(domain: Domain, ticker: Ticker) -> None:
    sev1 = declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1, commander="U_AMS")
    _quiet(domain)  # SEV3: not asked
    resolved = declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV2)
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, resolved, actor="U_ALICE")
    boundary = parse_boundary("07:00 EMEA")
    ticker.time_source.advance(19 * H + 5 * timedelta(minutes=1))  # Tuesday 07:05
    first = handoff_boundary(domain, boundary)
    assert [(n.recipients, n.due_at, n.details["region"]) for n in first] == [
        (["U_AMS"], START.replace(day=24, hour=7), "EMEA")
    ]
    assert handoff_boundary(domain, boundary) == []  # a second (coalesced or duplicate) run asks nobody again
    assert sev1 and [n.subject for n in ticker.all() if n.kind == "handoff_boundary"] == [first[0].subject]


def test_an_unaccepted_handoff_escalates_to_the_deputy_once(domain: Domain, ticker: Ticker) -> None:
    ref = declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1, roles={"deputy": "U_DEP"})
    with domain.unit() as ctx:
        request = roles.handoff(ctx, ref, actor="U_ALICE", to="U_APAC")
    escalations = lambda advance: _kinds(ticker(advance), "handoff_escalation")  # noqa: E731
    assert escalations(29 * timedelta(minutes=1)) == []
    [escalated] = escalations(timedelta(minutes=1))
    assert escalated.recipients == ("U_DEP",) and escalated.due_at == START + timedelta(minutes=30)
    assert escalations(H) == []
    with domain.unit() as ctx:
        accepted = roles.handoff(ctx, ref, actor="U_ALICE", to="U_EMEA")
    with domain.unit() as ctx:
        roles.accept_handoff(ctx, accepted.id, actor="U_EMEA")
    assert escalations(H) == [] and request.id != accepted.id


def test_commander_of_a_long_sev1_is_prompted_to_rotate_every_n_hours(
    domain: Domain, ticker: Ticker, config: SchedulingSettings
) -> None:
    ref = declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1)
    declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV2, commander="U_SEV2")
    prompts = lambda advance: _kinds(ticker(advance), "rotate")  # noqa: E731
    shift = timedelta(hours=config.rotate_after_hours)
    assert prompts(shift - H) == []
    [prompt] = prompts(H)
    assert prompt.recipients == ("U_ALICE",) and prompt.due_at == START + shift
    assert prompts(shift - H) == []
    assert [p.due_at for p in prompts(H)] == [START + 2 * shift]
    with domain.unit() as ctx:
        request = roles.handoff(ctx, ref, actor="U_ALICE", to="U_BOB")
    with domain.unit() as ctx:
        roles.accept_handoff(ctx, request.id, actor="U_BOB")
    assert prompts(shift - H) == []  # U_BOB's shift started at the hand-off


def test_responders_get_one_private_checkin_after_a_sensitive_sev1_closes(domain: Domain, ticker: Ticker) -> None:
    ref = declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1, roles={"scribe": "U_SCRIBE"})
    plain = declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1, title="Phishing kit")
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U_ALICE", text="Victim described the assault", sensitive=True)
        lifecycle.change_severity(ctx, ref, actor="U_ALICE", severity=Severity.SEV3, reason="Contained")
    for each in (ref, plain):
        with domain.unit() as ctx:
            lifecycle.resolve(ctx, each, actor="U_ALICE")
        with domain.unit() as ctx:
            lifecycle.close(ctx, each, actor="U_ALICE")
    checkins = _kinds(ticker(H), "checkin")
    assert sorted(n.recipients for n in checkins) == [("U_ALICE",), ("U_SCRIBE",)]  # lowered to SEV3: still a SEV1
    assert _kinds(ticker(DAY), "checkin") == []


def test_ticks_finish_a_boundary_the_cron_run_missed_within_the_hour(domain: Domain, ticker: Ticker) -> None:
    from incidents.scheduling.jobs import catch_up
    from incidents.settings import Settings

    settings = Settings(scheduling=SchedulingSettings(handoff_boundaries=["13:00 APAC"]))
    declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV2)
    ticker.time_source.advance(H + 10 * timedelta(minutes=1))
    declared_ref(domain, types=["fraud_scam"], severity=Severity.SEV1, commander="U_NEW")  # after 13:00
    assert [(n.kind, n.recipients) for n in catch_up(domain, settings)] == [("handoff_boundary", ["U_ALICE"])]
    assert catch_up(domain, settings) == []
    ticker.time_source.set(START.replace(day=24, hour=14, minute=1))  # the next day, past the hour of grace
    assert catch_up(domain, settings) == []
