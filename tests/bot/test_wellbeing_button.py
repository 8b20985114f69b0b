"""The check-in DM's "Support resources" button opens a link; Slack still sends the click, and Vigil answers it
(an unanswered click shows the person an error)."""

from __future__ import annotations

from bot.ids import ActionId
from tests.bot.conftest import BotUnderTest


def test_the_support_resources_button_is_answered(bot: BotUnderTest) -> None:
    button = {
        "type": "button",
        "action_id": ActionId.WELLBEING_RESOURCES,
        "url": "https://support.example.org",
        "text": {"type": "plain_text", "text": "Support resources"},
    }
    channel = bot.people.general
    posted = bot.runtime.client.chat_postMessage(
        channel=channel, text="Check-in", blocks=[{"type": "actions", "elements": [button]}]
    )
    message = next(m for m in bot.emu.messages(channel) if m.ts == posted["ts"])
    ack = bot.emu.block_action(bot.people.alice, message, ActionId.WELLBEING_RESOURCES)
    assert not ack.timed_out and ack.problems == []
