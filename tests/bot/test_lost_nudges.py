"""A nudge Slack carried out but whose answer never came back (the emulator's ``lose_answer_next``) is shown once:
the transport does not send it again, and the outbox's retry finds the tagged post before posting."""

from __future__ import annotations

from datetime import timedelta

from emulators.slack.models import Message
from incidents import actions
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.jobs import actions_digest
from incidents.scheduling.tick import tick
from incidents.tasks.service import list_tasks
from tests.bot.conftest import BotUnderTest


def _sent_to(bot: BotUnderTest, target: str) -> int:
    """How many times Vigil asked Slack to post to ``target`` (a channel, or a person for a DM)."""
    return len([c for c in bot.emu.calls_to("chat.postMessage") if c.args.get("channel") == target])


def _saying(messages: list[Message], words: str) -> list[str]:
    return [m.text for m in messages if words in (m.text or "")]


def test_a_channel_reminder_whose_answer_was_lost_is_posted_once(bot: BotUnderTest) -> None:
    ref, channel = bot.declare("SEV1 type:platform_outage Reporting flow down")
    with bot.domain.unit() as ctx:
        first = list_tasks(ctx, ref)[1][0]
        first.due_at = ctx.now() - timedelta(minutes=5)  # as if the step's quarter of an hour had passed
    before = _sent_to(bot, channel.id)
    bot.emu.lose_answer_next("chat.postMessage", channel=channel.id)
    tick(bot.domain, bot.settings.scheduling)
    bot.settle()
    assert len(_saying(bot.emu.messages(channel.id), "the playbook step")) == 1
    assert _sent_to(bot, channel.id) - before == 1, "not sent again by the transport, and found by its tag"


def test_a_direct_reminder_whose_answer_was_lost_is_sent_once(bot: BotUnderTest) -> None:
    ref, _ = bot.declare()
    bob = bot.people.bob
    bot.emu.lose_answer_next("chat.postMessage", channel=bob)
    with bot.domain.unit() as ctx:
        due = ctx.now().date()
        actions.add_action(ctx, ref, actor=bot.people.alice, title="Block the ring", owner=bob, due_date=due)
    tick(bot.domain, bot.settings.scheduling)
    bot.settle()
    assert _saying(bot.emu.dms(bob), "Block the ring") == [
        f"Reminder: your action *Block the ring* on {ref} (Scam wave targeting hosts) is due {due}."
    ]
    assert _sent_to(bot, bob) == 1


def test_a_digest_whose_answer_was_lost_is_posted_once(bot: BotUnderTest) -> None:
    general = bot.people.general
    bot.emu.lose_answer_next("chat.postMessage", channel=general)
    actions_digest(bot.domain, SchedulingSettings(actions_digest_channel=general))
    bot.runtime.dispatcher.poke()
    bot.settle()
    assert [m.text for m in bot.emu.messages(general)] == [":white_check_mark: No overdue actions this week."]
    assert _sent_to(bot, general) == 1
