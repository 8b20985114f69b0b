"""A small world for the web view, built only through the domain's verbs: Slack users from the emulator (so
sign-in maps to them), one restricted incident with a published review, and standard incidents in several
weeks, one of them with an overdue clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from emulators.slack import SlackEmulator
from incidents import actions, lifecycle, roles, timeline
from incidents.clocks import service as clocks
from incidents.context import Ctx, Domain
from incidents.enums import ActionPriority, Severity, Status, SyncState
from incidents.people import upsert_person
from incidents.queries import incident_to_show
from incidents.reviews import ReviewFields, publish_review, submit_for_review, update_review
from incidents.timesource import ManualTime

SENSITIVE = "Frame shows the means of harm; details held in the case system only."
PII = "Reporter asked for a call back on +49 30 1234 5678 or reporter.jane@example.org."
LEADER_EMAIL = "lena.lead@example.com"
DSA = "eu_dsa_art18"
UPDATE = "Stream ended; police contacted."
MITIGATED = Status.MITIGATED
CHANNEL = "C0SCAMWAVE"


@dataclass(frozen=True)
class World:
    alice: str
    """Commander of the restricted incident (a member)."""
    bob: str
    """A workspace member with no role anywhere (an outsider to restricted incidents)."""
    lena: str
    """In the leadership group (by e-mail), member of nothing."""
    restricted: str
    standard: str
    overdue: str


def build_world(domain: Domain, time_source: ManualTime, emu: SlackEmulator) -> World:
    start = time_source.now()
    alice = emu.add_user("alice", "Alice Moreau", "alice.moreau@example.com")
    bob = emu.add_user("bob", "Bob Okafor", "bob.okafor@example.com")
    lena = emu.add_user("lena", "Lena Lead", LEADER_EMAIL)
    carol = emu.add_user("carol", "Carol Diaz", "carol.diaz@example.com")

    def at(hours: float) -> None:
        time_source.set(start + timedelta(hours=hours))

    at(-24 * 20)
    with domain.unit() as ctx:
        for key, (name, email) in {alice: ("Alice Moreau", "alice.moreau@example.com"),
                                   carol: ("Carol Diaz", "carol.diaz@example.com")}.items():  # fmt: skip
            upsert_person(ctx, key, display_name=name, email=email)
        older = lifecycle.declare(
            ctx, actor=carol, title="Phishing links in host messages", types=["fraud_scam"], severity=Severity.SEV3,
            region="AMS",
        ).ref  # fmt: skip
    at(-24 * 20 + 5)
    with domain.unit() as ctx:
        lifecycle.acknowledge(ctx, older, actor=carol)
    at(-24 * 19)
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, older, actor=carol)

    at(-30)
    with domain.unit() as ctx:
        restricted = lifecycle.declare(
            ctx, actor=alice, title="Live stream with stated intent of self-harm", types=["suicide_self_harm"],
            severity=Severity.SEV1, region="EMEA", jurisdictions=["EU"], roles={"deputy": carol},
            summary="Viewers reported a live stream in which the streamer stated an intent to self-harm.",
        ).ref  # fmt: skip
    steps = [
        (-29.9, lambda ctx: lifecycle.acknowledge(ctx, restricted, actor=alice)),
        (-29.8, lambda ctx: timeline.add_note(ctx, restricted, actor=alice, text=SENSITIVE, sensitive=True)),
        (-29.7, lambda ctx: timeline.add_note(ctx, restricted, actor=carol, text=PII)),
        (-29.5, lambda ctx: clocks.satisfy_clock(ctx, restricted, actor=alice, regime=DSA, reference_id="DE-1")),
        (-29.0, lambda ctx: timeline.post_update(ctx, restricted, actor=alice, summary=UPDATE, status=MITIGATED)),
        (-28.5, lambda ctx: _tracked_action(ctx, restricted, alice)),
        (-28.0, lambda ctx: lifecycle.resolve(ctx, restricted, actor=alice, note="welfare confirmed")),
        (-27.0, lambda ctx: update_review(ctx, restricted, ReviewFields(
            executive_summary="Alice Moreau's team ended the stream within minutes; police confirmed welfare.",
            went_well="- Reports reached Safety Ops quickly"), actor=alice)),
        (-26.5, lambda ctx: submit_for_review(ctx, restricted, actor=alice)),
        (-26.0, lambda ctx: publish_review(ctx, restricted, actor=alice)),
    ]  # fmt: skip
    for hours, step in steps:
        at(hours)
        with domain.unit() as ctx:
            step(ctx)

    at(-3)
    with domain.unit() as ctx:
        overdue = lifecycle.declare(
            ctx, actor=carol, title="Credible threat against a host", types=["threat_violence"],
            severity=Severity.SEV1, region="EMEA", jurisdictions=["EU"],
        ).ref  # fmt: skip
    at(-1)
    with domain.unit() as ctx:
        standard = lifecycle.declare(
            ctx, actor=carol, title="Scam wave targeting new hosts", types=["fraud_scam", "account_takeover"],
            severity=Severity.SEV2, region="AMS", summary="A wave of fake payment pages aimed at new hosts.",
        ).ref  # fmt: skip
        roles.assign_role(ctx, standard, actor=carol, role="scribe", person=bob)
        lifecycle.record_channel(ctx, incident_to_show(ctx, standard).id, CHANNEL)
    at(0)
    with domain.unit() as ctx:
        timeline.post_update(ctx, standard, actor=carol, summary="Payment pages taken down; watching for new ones.")
    return World(alice, bob, lena, restricted, standard, overdue)


def _tracked_action(ctx: Ctx, ref: str, owner: str) -> None:
    action = actions.add_action(
        ctx,
        ref,
        actor=owner,
        title="Detect stated self-harm intent in live titles",
        owner=owner,
        due_date=date(2026, 12, 15),
        priority=ActionPriority.HIGH,
        tracked=True,
    )
    actions.record_sync(
        ctx, action.id, state=SyncState.SYNCED, key="SAFE-481", url="https://jira.example.com/browse/SAFE-481"
    )  # type: ignore[arg-type]
