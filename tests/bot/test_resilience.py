"""Slack failing or down when an incident is declared, and a restart in the middle of provisioning: the
incident exists at once, the declarer is told, and Slack catches up exactly once."""

from __future__ import annotations

import time

from slack_sdk import WebClient
from slack_sdk.http_retry import all_builtin_retry_handlers

from bot.ids import CARD_EVENT
from incidents.context import Domain
from tests.bot.conftest import BotUnderTest, People, bot_settings, start_runtime


def test_slack_errors_at_declare_are_retried_until_done(bot: BotUnderTest) -> None:
    emu = bot.emu
    emu.fail_next("conversations.create", "service_unavailable", status=503, times=3)
    ack = bot.command("declare SEV2 type:platform_outage Payments page down")
    assert "Declared *INC-2026-0001*" in bot.reply(ack)
    bot.settle()
    creates = emu.calls_to("conversations.create")
    assert [c.ok for c in creates] == [False, False, False, True]
    channel = emu.channel_named("inc-2026-0001-payments-page-down")
    assert channel is not None and len(emu.pins(channel.id)) == 1
    assert bot.only_incident().slack_channel_id == channel.id


def test_slack_down_at_declare(http_bot: BotUnderTest) -> None:
    emu, people = http_bot.emu, http_bot.people
    emu.go_down()
    ack = http_bot.command("declare SEV1 type:threat_violence Threat posted in a review")
    assert "Declared *INC-2026-0001*" in http_bot.reply(ack), "the declarer is told while Slack is down"
    incident = http_bot.only_incident()
    assert incident.slack_channel_id is None
    time.sleep(0.5)  # a few delivery attempts fail against the closed port
    emu.come_up()
    http_bot.settle()

    incident = http_bot.only_incident()
    channel = emu.channels[incident.slack_channel_id]
    assert channel.name == "inc-2026-0001-threat-posted-in-a-review"
    assert len(emu.pins(channel.id)) == 1
    assert len(emu.messages(people.announce)) == 1


def test_restart_mid_provisioning_creates_nothing_twice(emu, people: People, live_domain: Domain, db_url: str) -> None:
    """Process A's requests reach Slack but their answers are lost (it times out, then stops); process B
    finishes: one channel, one card, one pin, one announcement."""
    settings = bot_settings(emu, db_url, people.announce)
    impatient = WebClient(
        base_url=emu.web_api_url, token=emu.bot_token, timeout=0.3, retry_handlers=all_builtin_retry_handlers()
    )
    first = start_runtime(settings, live_domain, dispatcher=False, client=impatient)
    first.socket_mode().connect()
    emu.wait_for(lambda: emu.socket_connections > 0)
    emu.slash_command(people.alice, people.general, "declare SEV2 type:fraud_scam Gift card scam")

    emu.set_latency("conversations.create", 800)
    first.dispatcher.run_once()  # create times out on A's side but happens in Slack
    channel = emu.wait_for(lambda: emu.channel_named("inc-2026-0001-gift-card-scam"))
    emu.set_latency("conversations.create", 0)
    emu.set_latency("chat.postMessage", 800)
    time.sleep(0.6)  # past A's backoff
    first.dispatcher.run_once()  # adopts the channel; card and announcement posts time out but happen
    emu.wait_for(lambda: len(emu.messages(channel.id)) == 1 and len(emu.messages(people.announce)) == 1)
    first.stop()
    emu.set_latency("chat.postMessage", 0)

    second = start_runtime(settings, live_domain)
    try:
        bot = BotUnderTest(emu, live_domain, settings, second, people)
        bot.settle()
    finally:
        second.stop()
    assert [c.name for c in emu.channels.values() if c.name.startswith("inc-")] == ["inc-2026-0001-gift-card-scam"]
    cards = [m for m in emu.messages(channel.id) if (m.metadata or {}).get("event_type") == CARD_EVENT]
    assert len(cards) == 1 and [p.ts for p in emu.pins(channel.id)] == [cards[0].ts]
    assert len(emu.messages(people.announce)) == 1
    assert bot.only_incident().slack_channel_id == channel.id
    assert "name_taken" in [c.error for c in emu.calls_to("conversations.create")]
