"""A quick declare never reinterprets what it does not know: a severity, type, tier or region written like one but
unknown is refused with the values to use, and nothing is declared; a title that merely starts like one is a title."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.command_grammar import CommandError, QuickDeclare, parse
from incidents.enums import Severity, Tier
from incidents.models import Incident
from tests.bot.conftest import BotUnderTest

SEVERITIES = "use one of SEV0, SEV1, SEV2, SEV3, SEV4."
REFUSED = {
    "SEV9 Something": f"Unknown severity 'SEV9': {SEVERITIES}",
    "sev-1 Payments down": f"Unknown severity 'sev-1': {SEVERITIES}",
    "SEV2 type:fraud Gift card scam": "Unknown incident type 'fraud'; known types: threat_violence, ",
    "SEV2 tier:secret Leaked export": "Unknown sensitivity tier 'secret': use one of standard, restricted, highly_",
    "SEV2 region:MARS Scam wave": "Unknown region 'MARS': use one of AMS, EMEA, APAC.",
    "SEV2 typ:fraud_scam Scam wave": "`typ:` is not an option; did you mean `type:`?",
    "SEV2 severity:SEV1 Scam wave": "Write the severity as a word of its own, e.g. `SEV2`, not `severity:SEV1`.",
    "SEV2 Scam wave SEV1": "Give one severity: `SEV2` and `SEV1` both set it.",
    "SEV2 type: Scam wave": "Give the type after `type:`, with no space.",
}


def test_unknown_values_are_refused_in_slack_with_the_valid_ones(bot: BotUnderTest) -> None:
    for text, said in REFUSED.items():
        reply = bot.reply(bot.command(f"declare {text}"))
        assert said in reply, (text, reply)
    with bot.domain.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Incident)) == 0
    assert bot.emu.messages(bot.people.announce) == []


def test_titles_that_start_like_a_value_are_titles(bot: BotUnderTest) -> None:
    ref, _channel = bot.declare("Severe outage of the payments page region:emea")
    incident = bot.incident(ref)
    assert incident.title == "Severe outage of the payments page"
    assert (incident.severity, incident.region) == (Severity.SEV3, "EMEA")


def _read_as(
    title: str,
    severity: Severity = Severity.SEV3,
    types: tuple[str, ...] = ("other",),
    tier: Tier = Tier.STANDARD,
    region: str | None = None,
) -> QuickDeclare:
    return QuickDeclare(title, severity, types, tier, region)


@pytest.mark.parametrize(
    ("text", "declared"),
    [
        ("declare Sev 2 outage: tiers of cache down", _read_as("Sev 2 outage: tiers of cache down")),
        ("declare SEV1 Time to act: typing errors", _read_as("Time to act: typing errors", Severity.SEV1)),
        ("declare See https://status.example.org/x", _read_as("See https://status.example.org/x")),
        (
            "declare type:fraud_scam,account_takeover region:APAC tier:restricted SEV0 Ring",
            _read_as("Ring", Severity.SEV0, ("fraud_scam", "account_takeover"), tier=Tier.RESTRICTED, region="APAC"),
        ),
    ],
)
def test_what_a_declare_is_read_as(text: str, declared: QuickDeclare) -> None:
    assert parse(text) == declared


def test_a_refusal_shows_how_to_write_it() -> None:
    with pytest.raises(CommandError) as refused:
        parse("declare SEV7 Outage")
    assert refused.value.message.endswith(
        "Usage: `/incident declare [SEV0-SEV4] [type:<type>,...] [tier:<tier>] [region:<region>] <title>`"
    )
