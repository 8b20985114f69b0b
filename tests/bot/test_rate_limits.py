"""A burst of declares against Slack's per-method rate limits (tiers enforced by the emulator, its one-minute
window shrunk to five seconds so the test runs quickly): every incident ends with its channel and card."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from emulators.slack import SlackEmulator
from incidents.outbox import OutboxMessage
from tests.bot.conftest import BotUnderTest

BURST = 30


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(rate_limit_window_s=5.0) as emulator:
        yield emulator


@pytest.mark.slow  # waits out Slack's rate-limit windows in real time
def test_burst_of_declares_all_get_channels(bot: BotUnderTest) -> None:
    emu = bot.emu
    futures = []
    for n in range(BURST):
        text = f"declare SEV3 type:fraud_scam Scam wave {n}"
        futures.append(emu.slash_command_nowait(bot.people.alice, bot.people.general, text))
        time.sleep(0.03)
    acks = [f.result(timeout=15) for f in futures]
    assert [a for a in acks if a.timed_out or "Declared" not in bot.reply(a)] == []
    bot.settle(timeout=60)

    assert any(c.status == 429 for c in emu.calls), "the burst must have hit Slack's limits"
    channels = [c for c in emu.channels.values() if c.name.startswith("inc-2026-")]
    assert len(channels) == BURST
    assert all(len(emu.pins(c.id)) == 1 for c in channels)
    assert len(emu.messages(bot.people.announce)) == BURST
    with bot.domain.unit() as ctx:
        from sqlalchemy import select

        from incidents.outbox import OutboxMessage

        assert {m.state for m in ctx.session.scalars(select(OutboxMessage))} == {"done"}


@pytest.mark.slow  # waits out nine Retry-Afters in real time
def test_a_step_told_to_wait_more_often_than_the_retry_budget_still_happens(bot: BotUnderTest) -> None:
    """Slack's 429s say when to come back; they do not use up the attempts a failing step gets (8), so a burst
    longer than that cannot leave an incident's channel without its topic (found by bench/chaos.py)."""
    bot.emu.fail_next("conversations.setTopic", error="ratelimited", status=429, times=9)
    bot.command("declare SEV3 type:fraud_scam Scam wave")
    bot.settle(timeout=40)
    channel = bot.emu.channels[bot.wait_for(lambda: bot.only_incident().slack_channel_id)]
    assert channel.topic.startswith(bot.only_incident().ref)
    with bot.domain.unit() as ctx:
        assert {m.state for m in ctx.session.scalars(select(OutboxMessage))} == {"done"}


def test_a_modal_slack_refuses_for_its_rate_limit_is_not_retried_after_its_trigger_expired(bot: BotUnderTest) -> None:
    """Slack's Retry-After outlasts the 3 s a trigger_id lives: the person is told at once to try again, rather
    than a listener thread sleeping on a modal that can no longer open."""
    bot.emu.fail_next("views.open", error="ratelimited", status=429)
    started = time.monotonic()
    told = bot.reply(bot.command(""))
    assert "couldn't open the form" in told and time.monotonic() - started < 2.5
    assert len(bot.emu.calls_to("views.open")) == 1
