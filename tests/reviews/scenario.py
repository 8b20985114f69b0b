"""A realistic incident built only through the domain's verbs on a hand-moved clock, so every review of it is
byte-for-byte reproducible: a restricted SEV2→SEV1 live-stream self-harm case with a hand-off, a legal clock,
a late update, corrective actions and a published review."""

from __future__ import annotations

from datetime import UTC, date, datetime

from incidents import actions, lifecycle, roles, timeline
from incidents.clocks import service as clocks
from incidents.context import Ctx, Domain
from incidents.enums import ActionCategory, ActionPriority, ActionStatus, Severity, Status, SyncState, Tier
from incidents.people import upsert_person
from incidents.reviews import Minors, ReviewFields, update_review
from incidents.reviews.service import get_or_start_review, publish_review, submit_for_review
from incidents.timesource import ManualTime

REF = "INC-2026-0001"
PEOPLE = {
    "U0ALICE": ("Alice Moreau", "alice.moreau@example.com"),
    "U0BONGANI": ("Bongani Dlamini", "bongani@example.com"),
    "U0CHEN": ("Chen Wei", "chen.wei@example.com"),
    "U0DANA": ("Dana Kowalski", "dana.k@example.com"),
    "U0EVE": ("Eve Santos", "eve.santos@example.com"),
    "U0FRANK": ("Frank Otieno", "frank.otieno@example.com"),
}
SENSITIVE_TEXT = "Frame shows a ligature and a handwritten note; details held in the case system only."
PII_MESSAGE = (
    "Reporter asks for a call back on +49 30 1234 5678 or reporter.jane@example.org; "
    "case file https://cases.example.com/case/884213?tab=evidence"
)
TRICKY_NOTE = "Viewer count peaked at 340 <b>live</b> viewers & rising; see *dashboard* [ops](http://x.example) | #ops"


def at(time_source: ManualTime, hh: int, mm: int) -> datetime:
    moment = datetime(2026, 11, 23, hh, mm, tzinfo=UTC)
    time_source.set(moment)
    return moment


def build_incident(domain: Domain, time_source: ManualTime, *, publish: bool = True) -> str:
    """Declared at 12:00 (the conftest clock's start); resolved at 15:00; review published at 16:30."""
    at(time_source, 12, 0)
    with domain.unit() as ctx:
        for key, (name, email) in PEOPLE.items():
            upsert_person(ctx, key, display_name=name, email=email)
        incident = lifecycle.declare(
            ctx,
            actor="U0ALICE",
            title="Live stream with stated intent of self-harm",
            types=["suicide_self_harm", "threat_violence"],
            severity=Severity.SEV2,
            tier=Tier.STANDARD,
            summary="Viewers reported a live stream in which the streamer stated an intent to self-harm.",
            region="EMEA",
            jurisdictions=["EU"],
            detection_source="in-app reports",
            occurred_at=datetime(2026, 11, 23, 11, 20, tzinfo=UTC),
            detected_at=datetime(2026, 11, 23, 11, 42, tzinfo=UTC),
            roles={"deputy": "U0BONGANI"},
        )
        assert incident.ref == REF
        timeline.add_note(
            ctx,
            REF,
            actor="U0ALICE",
            text="First viewer report arrived through the in-app flag.",
            at=at(time_source, 11, 45),
        )
    steps = [
        ((12, 4), lambda ctx: lifecycle.acknowledge(ctx, REF, actor="U0BONGANI")),
        ((12, 5), lambda ctx: roles.assign_role(ctx, REF, actor="U0ALICE", role="scribe", person="U0CHEN")),
        ((12, 6), lambda ctx: roles.assign_role(ctx, REF, actor="U0ALICE", role="legal", person="U0DANA")),
        (
            (12, 10),
            lambda ctx: lifecycle.change_severity(
                ctx, REF, actor="U0ALICE", severity=Severity.SEV1, reason="means visible on stream; user located in DE"
            ),
        ),
        (
            (12, 12),
            lambda ctx: timeline.capture_message(
                ctx,
                REF,
                actor="U0CHEN",
                author="U0EVE",
                text=PII_MESSAGE,
                at=time_source.now(),
                external_id="1732363920.000100",
                permalink="https://example.slack.com/archives/C0INC/p1732363920000100",
            ),
        ),
        ((12, 15), lambda ctx: timeline.add_note(ctx, REF, actor="U0CHEN", text=SENSITIVE_TEXT, sensitive=True)),
        ((12, 16), lambda ctx: timeline.add_note(ctx, REF, actor="U0CHEN", text=TRICKY_NOTE)),
        (
            (12, 20),
            lambda ctx: timeline.post_update(
                ctx,
                REF,
                actor="U0BONGANI",
                summary="Stream ended by Safety Ops; emergency services in DE contacted through the police portal.",
                impact="One person at risk; about 340 live viewers.",
            ),
        ),
        (
            (12, 35),
            lambda ctx: clocks.satisfy_clock(
                ctx, REF, actor="U0DANA", regime="eu_dsa_art18", reference_id="DE-LKA-2026-118834"
            ),
        ),
        ((12, 40), lambda ctx: roles.handoff(ctx, REF, actor="U0ALICE", to="U0BONGANI")),
        ((12, 45), lambda ctx: roles.accept_handoff(ctx, 1, actor="U0BONGANI")),
        (
            (13, 5),
            lambda ctx: timeline.post_update(
                ctx,
                REF,
                actor="U0BONGANI",
                summary="Police confirmed the welfare check; the person is receiving care. Watching for re-uploads.",
                status=Status.MITIGATED,
            ),
        ),
        ((13, 30), _add_actions),
        (
            (14, 30),
            lambda ctx: timeline.post_update(
                ctx, REF, actor="U0BONGANI", summary="No re-uploads found after two sweeps; hash shared with peers."
            ),
        ),
        ((15, 0), lambda ctx: lifecycle.resolve(ctx, REF, actor="U0BONGANI", note="welfare confirmed; no re-uploads")),
        ((15, 10), _write_review),
        ((16, 0), lambda ctx: submit_for_review(ctx, REF, actor="U0BONGANI")),
    ]
    if publish:
        steps.append(((16, 30), lambda ctx: publish_review(ctx, REF, actor="U0BONGANI")))
    for (hh, mm), step in steps:
        at(time_source, hh, mm)
        with domain.unit() as ctx:
            step(ctx)
    at(time_source, 17, 0)
    return REF


def _add_actions(ctx: Ctx) -> None:
    first = actions.add_action(
        ctx,
        REF,
        actor="U0BONGANI",
        title="Detect stated self-harm intent in live titles and captions within 60 seconds",
        owner="U0FRANK",
        due_date=date(2026, 12, 15),
        priority=ActionPriority.HIGH,
        category=ActionCategory.DETECT,
        tracked=True,
    )
    actions.record_sync(
        ctx, first.id, state=SyncState.SYNCED, key="SAFE-481", url="https://jira.example.com/browse/SAFE-481"
    )
    second = actions.add_action(
        ctx,
        REF,
        actor="U0BONGANI",
        title="Keep the DE police portal contacts in the on-call runbook",
        owner="U0DANA",
        due_date=date(2026, 12, 1),
        category=ActionCategory.PROCESS,
    )
    actions.update_action(ctx, second.id, actions.ActionChanges(status=ActionStatus.IN_PROGRESS), actor="U0DANA")


def _write_review(ctx: Ctx) -> None:
    get_or_start_review(ctx, REF, actor="U0BONGANI")
    update_review(
        ctx,
        REF,
        ReviewFields(
            people_affected="One streamer at risk; about 340 live viewers exposed to the stream.",
            minors_involved=Minors.NO,
            content_exposure="Roughly 23 minutes live before the stream was ended (11:42 detection to 12:05).",
            regions=["EMEA", "DE"],
            executive_summary=(
                "A streamer stated an intent to self-harm during a live broadcast watched by about 340 people. "
                "Safety Ops ended the stream 23 minutes after the first report and Legal notified the German police "
                "within the DSA Art. 18 target; police completed a welfare check and the person is receiving care.\n\n"
                "Detection relied entirely on viewer reports. The main corrective action is automated detection of "
                "stated self-harm intent in live titles and captions."
            ),
            attention="DSA Art. 18 notice to the German police; no media enquiries.",
            contributing_factors=(
                "- Live titles are not scanned for self-harm intent\n"
                "- The DE police portal contact was not in the runbook"
            ),
            went_well=(
                "- Viewer reports reached Safety Ops within minutes\n- Legal met the DSA clock with time to spare"
            ),
            went_poorly="- The 14:05 update went out 25 minutes late\n- <@U0ALICE> had to find the portal by hand",
            got_lucky="- A viewer in the same city also called local emergency services",
            care_for_affected=(
                "The person was referred to local support services by the police. No personal detail kept."
            ),
            wellbeing_note="Three responders saw distressing content; all were offered the check-in and time off.",
        ),
        actor="U0BONGANI",
    )
