"""What Slack is asked to call an incident's channel: a restricted incident's name is its reference and types only;
a standard one's leaves out what the personal-data detector finds in its title and the people recorded as its
parties. The channel is renamed when those facts change, and only then."""

from __future__ import annotations

from incidents import lifecycle
from incidents.enums import Tier
from incidents.parties import service as parties
from incidents.parties.models import PartyRole
from tests.bot.conftest import BotUnderTest


def _created(bot: BotUnderTest) -> list[str]:
    return [c.args["name"] for c in bot.emu.calls_to("conversations.create")]


def _renamed(bot: BotUnderTest) -> list[str]:
    return [c.args["name"] for c in bot.emu.calls_to("conversations.rename") if c.ok]


def test_a_restricted_channel_is_named_by_its_reference_and_type_never_its_title(bot: BotUnderTest) -> None:
    ref, channel = bot.declare("SEV1 type:child_safety Grooming of zorblat quinnamere on a listing")
    assert _created(bot) == ["inc-2026-0001-child-safety"]
    assert channel.name == "inc-2026-0001-child-safety" and channel.is_private and ref == "INC-2026-0001"


def test_a_standard_channel_leaves_out_what_the_detector_finds_in_the_title(bot: BotUnderTest) -> None:
    _ref, channel = bot.declare("SEV2 type:fraud_scam Scam wave from @kestrel_99 against hosts")
    assert _created(bot) == ["inc-2026-0001-scam-wave-from-against-hosts"]
    assert channel.name == "inc-2026-0001-scam-wave-from-against-hosts"


def test_raising_the_tier_renames_the_channel_to_its_reference_and_type(bot: BotUnderTest) -> None:
    ref, channel = bot.declare("SEV2 type:fraud_scam Ring run from a shared flat")
    assert channel.name == "inc-2026-0001-ring-run-from-a-shared-flat"
    with bot.domain.unit() as ctx:
        lifecycle.change_tier(ctx, ref, actor=bot.people.alice, tier=Tier.RESTRICTED, reason="a minor is involved")
    bot.settle()
    assert _renamed(bot) == ["inc-2026-0001-fraud-scam"]
    assert bot.emu.channels[channel.id].name == "inc-2026-0001-fraud-scam"

    reply = bot.reply(bot.command("type fraud_scam,hate_harassment the ring also harasses", channel=channel.id))
    assert reply.startswith("INC-2026-0001: types fraud_scam → fraud_scam, hate_harassment."), reply
    bot.settle()
    assert _renamed(bot) == ["inc-2026-0001-fraud-scam", "inc-2026-0001-fraud-scam-hate-harassment"]


def test_a_party_named_in_the_title_leaves_the_channel_name(bot: BotUnderTest) -> None:
    ref, channel = bot.declare("SEV2 type:hate_harassment Harassment wave against xXemberNovaXx")
    with bot.domain.unit() as ctx:
        parties.add_party(ctx, ref, actor=bot.people.alice, role=PartyRole.AFFECTED_PERSON, handle="xXemberNovaXx")
    bot.settle()
    assert _renamed(bot) == ["inc-2026-0001-harassment-wave-against-affected-person"]
    assert bot.emu.channels[channel.id].name == "inc-2026-0001-harassment-wave-against-affected-person"


def test_changes_that_leave_the_name_alone_rename_nothing(bot: BotUnderTest) -> None:
    _ref, channel = bot.declare()
    for command in ("note Hosts report new messages", "severity SEV1 spreading to a second region"):
        bot.reply(bot.command(command, channel=channel.id))
    bot.settle()
    assert bot.emu.calls_to("conversations.rename") == []
    assert channel.name == "inc-2026-0001-scam-wave-targeting-hosts"
