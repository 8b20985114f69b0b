"""Timeline capture from Slack: the pushpin reaction, its removal, Slack's event retries, and the shortcut."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.ids import ShortcutId
from incidents.enums import TimelineKind
from tests.bot.conftest import BotUnderTest


def _captured(bot: BotUnderTest, ref: str) -> list:
    return [e for e in bot.incident(ref).timeline if e.kind is TimelineKind.MESSAGE]


def test_reaction_captures_and_unreaction_removes(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    emu.message_event(people.bob, channel.id, "Found the scam domain: example-payments.test")
    message = emu.messages(channel.id)[-1]

    emu.reaction_added(people.alice, channel.id, message.ts, "eyes")
    emu.reaction_added(people.alice, channel.id, message.ts, "pushpin")
    entry = bot.wait_for(lambda: next(iter(_captured(bot, ref)), None))
    assert entry.text == "Found the scam domain: example-payments.test"
    assert entry.author == people.bob
    assert entry.source_url and message.ts.replace(".", "") in entry.source_url

    emu.reaction_added(people.carol, channel.id, message.ts, "pushpin")
    emu.reaction_removed(people.alice, channel.id, message.ts, "pushpin")
    emu.reaction_removed(people.carol, channel.id, message.ts, "eyes")
    assert len(_captured(bot, ref)) == 1, "carol's pushpin still holds it"
    emu.reaction_removed(people.carol, channel.id, message.ts, "pushpin")
    bot.wait_for(lambda: _captured(bot, ref) == [])


def test_retried_event_is_processed_once(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    emu.message_event(people.bob, channel.id, "Evidence reference CASE-991")
    message = emu.messages(channel.id)[-1]
    WebClient(token=emu.bot_token, base_url=emu.web_api_url).reactions_add(
        channel=channel.id, timestamp=message.ts, name="pushpin"
    )  # Slack delivers reaction events only for reactions that exist
    event = {
        "type": "reaction_added",
        "user": people.alice,
        "reaction": "pushpin",
        "item": {"type": "message", "channel": channel.id, "ts": message.ts},
        "item_user": people.bob,
    }
    emu.event(event, event_id="Ev0RETRIED1")
    bot.wait_for(lambda: len(_captured(bot, ref)) == 1)
    with bot.domain.unit() as ctx:
        from incidents.timeline import remove_captured

        remove_captured(ctx, ref, actor="cli:test", external_id=_captured(bot, ref)[0].external_id)
    emu.event(event, event_id="Ev0RETRIED1", retry_num=1)
    emu.event(event, event_id="Ev0RETRIED1", retry_num=2)
    bot.settle()
    assert _captured(bot, ref) == [], "a redelivery of the same event must not capture again"
    assert len(emu.calls_to("chat.getPermalink")) <= 3


def test_add_to_timeline_shortcut(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    emu.message_event(people.carol, channel.id, "Law enforcement request received")
    message = emu.messages(channel.id)[-1]
    emu.message_shortcut(people.alice, channel.id, message.ts, ShortcutId.ADD_TO_TIMELINE)
    bot.wait_for(lambda: any(f"Added to {ref}" in (r.text or "") for r in emu.responses))
    assert [e.text for e in _captured(bot, ref)] == ["Law enforcement request received"]

    emu.message_event(people.carol, people.general, "not an incident channel")
    outside = emu.messages(people.general)[-1]
    emu.message_shortcut(people.alice, people.general, outside.ts, ShortcutId.ADD_TO_TIMELINE)
    bot.wait_for(lambda: any("is not one" in (r.text or "") for r in emu.responses))
