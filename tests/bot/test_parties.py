"""Parties from Slack: `/incident party` opens the form, `/incident parties` answers members privately, and
`/incident party erase <n>` replaces the person's identifiers across the incident."""

from __future__ import annotations

from typing import Any

from bot.ids import Field, ViewId
from tests.bot.conftest import BotUnderTest


def _party_form(bot: BotUnderTest) -> str:
    return bot.wait_for(
        lambda: next(
            (v.id for v in bot.emu.views.values() if v.view.get("callback_id") == ViewId.PARTY and not v.closed), None
        )
    )


def _values(**fields: str) -> dict[str, dict[str, Any]]:
    return {field: {field: value} for field, value in fields.items()}


def test_a_member_adds_lists_and_erases_a_party(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    bot.command("note Jane Doe called the hotline; her handle is @jdoe_99", channel=channel.id)
    bot.command("party", channel=channel.id)
    view_id = _party_form(bot)

    empty = emu.submit_view(view_id, people.alice, _values(**{Field.PARTY_ROLE: "reporter"}))
    assert empty.problems == []
    assert "at least one of" in emu.views[view_id].errors[Field.PARTY_NAME]

    values = _values(**{Field.PARTY_ROLE: "reporter", Field.PARTY_NAME: "Jane Doe", Field.HANDLE: "@jdoe_99"})
    added = emu.submit_view(view_id, people.alice, values)
    assert added.problems == []
    assert "as *Reporter*" in str(emu.views[view_id].view["blocks"])

    listing = bot.reply(bot.command("parties", channel=channel.id))
    assert "1. Reporter: Jane Doe, @jdoe_99" in listing
    refused = bot.reply(bot.command("parties", user=people.bob, channel=channel.id))
    assert refused.startswith(f"Only members of {ref}")

    erased = bot.reply(bot.command("party erase 1", channel=channel.id))
    assert erased == f"Erased Reporter from {ref}: 2 replacements."
    note = next(e.text for e in bot.incident(ref).timeline if e.text.startswith("Reporter called"))
    assert note == "Reporter called the hotline; her handle is Reporter"
    assert "erased" in bot.reply(bot.command("parties", channel=channel.id))


def test_non_members_get_no_form_and_help_lists_the_commands(bot: BotUnderTest) -> None:
    _, channel = bot.declare()
    refused = bot.reply(bot.command("party", user=bot.people.bob, channel=channel.id))
    assert "Only members" in refused
    assert not [v for v in bot.emu.views.values() if v.view.get("callback_id") == ViewId.PARTY]
    assert "party erase" in bot.reply(bot.command("party remove 1", channel=channel.id))
    help_text = str(bot.command("help", channel=channel.id).payload)
    assert "/incident party [erase " in help_text
    assert "/incident parties" in help_text
