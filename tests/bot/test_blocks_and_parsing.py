"""Pure parts of the bot: `/incident` text parsing and Block Kit builders (checked with the emulator's
validator, the same one that answers invalid_blocks to the running app)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.blocks import card as cards
from bot.blocks.messages import help_message, home
from bot.blocks.modals import Origin, declare_modal
from bot.command_grammar import AddAction, AssignRole, CommandError, OpenDeclareModal, QuickDeclare, SatisfyClock, parse
from bot.provision import channel_name
from emulators.slack.blockkit import message_block_problems, view_problems
from incidents.enums import Severity, Status, Tier
from incidents.models import Clock, Incident, IncidentType, RoleAssignment
from incidents.policy import load_policy

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_parse_commands() -> None:
    assert parse("") == OpenDeclareModal()
    assert parse("declare sev1 type:child_safety Report on a listing") == QuickDeclare(
        "Report on a listing", Severity.SEV1, ("child_safety",), Tier.STANDARD
    )
    assert parse("role <@U0AB12|bob> Deputy") == AssignRole("U0AB12", "deputy")
    assert parse("action Rotate keys <@U0AB12> due:2030-01-31") == AddAction("Rotate keys", "U0AB12", date(2030, 1, 31))
    assert parse("clock gdpr_art33 DPA-1") == SatisfyClock("DPA-1", "gdpr_art33")
    with pytest.raises(CommandError, match="Pick them from the @ menu"):
        parse("handoff @bob")
    with pytest.raises(CommandError, match="Say why"):
        parse("severity SEV1")


def test_channel_names_are_neutral_and_bounded() -> None:
    assert (
        channel_name("inc", "INC-2026-0042", "Threat to host: Ünïcode & more!")
        == "inc-2026-0042-threat-to-host-unicode-more"
    )
    assert len(channel_name("inc", "INC-2026-0042", "word " * 60)) <= 80


def _incident() -> Incident:
    incident = Incident(
        ref="INC-2026-0007",
        title="Data exposed",
        summary="",
        severity=Severity.SEV1,
        status=Status.INVESTIGATING,
        tier=Tier.RESTRICTED,
        region=None,
        declared_by="U1",
        declared_at=NOW - timedelta(hours=5),
        updated_at=NOW,
        types=[IncidentType(type="data_breach")],
    )
    incident.roles = [RoleAssignment(role="commander", person="U1", assigned_by="U1", assigned_at=NOW)]
    incident.clocks = [Clock(name="GDPR Art. 33", regime="gdpr_art33", due_at=NOW - timedelta(hours=1))]
    incident.actions, incident.updates = [], []
    return incident


def test_card_shows_missing_roles_overdue_clock_and_next_update() -> None:
    policy = load_policy()
    rendered = cards.card(_incident(), policy, NOW)
    text = str(rendered.blocks)
    assert message_block_problems(rendered.blocks) == []
    assert "Missing: legal" in text and "*overdue*" in text and "Next update due" in text
    assert cards.announcement(_incident(), "C1").text.endswith("responders only.")


def test_views_are_valid_block_kit() -> None:
    policy = load_policy()
    assert view_problems(declare_modal(policy, Origin(channel="C1", source_url="https://x/p1"), title="t")) == []
    assert view_problems(home([_incident()] * 40, policy, NOW)) == []
    assert message_block_problems(help_message("INC-1").blocks) == []
