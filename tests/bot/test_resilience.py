"""Slack failing or down when an incident is declared, and a restart in the middle of provisioning: the
incident exists at once, the declarer is told, and Slack catches up exactly once. Slack's answers that say the
work is already done count as done, and a person Slack cannot reach is given up at once."""

from __future__ import annotations

import logging
import time

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.ids import CARD_EVENT, PostingKind
from bot.slack_retries import safe_retry_handlers
from incidents import roles
from incidents.context import Domain
from incidents.outbox import DONE, OutboxMessage, Topic
from incidents.postings import list_postings
from incidents.queries import incident_to_show
from tests.bot.conftest import BotUnderTest, People, bot_settings, start_runtime
from tests.helpers import declared_ref


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
        base_url=emu.web_api_url, token=emu.bot_token, timeout=0.3, retry_handlers=safe_retry_handlers()
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


def test_answers_lost_on_invite_and_pin_count_as_done_on_the_retry(
    emu, people: People, live_domain: Domain, db_url: str
) -> None:
    """The invite and the pin reach Slack but their answers are lost; the retry hears already_in_channel and
    already_pinned, which are what was wanted: provisioning finishes on that attempt instead of failing."""
    settings = bot_settings(emu, db_url, people.announce)
    impatient = WebClient(base_url=emu.web_api_url, token=emu.bot_token, timeout=0.3)
    runtime = start_runtime(settings, live_domain, dispatcher=False, client=impatient)
    try:
        ref = declared_ref(live_domain, actor=people.alice, types=["fraud_scam"], invite=[people.bob, people.carol])
        emu.set_latency("conversations.invite", 800)
        emu.set_latency("pins.add", 800)
        runtime.dispatcher.run_once()  # both time out on Vigil's side but happen in Slack
        channel = emu.wait_for(lambda: (c := emu.channel_named(f"{ref.lower()}-credible-threat-against-a-host")) and c)
        emu.wait_for(lambda: emu.pins(channel.id) and {people.bob, people.carol} <= emu.channels[channel.id].members)
        emu.set_latency("conversations.invite", 0)
        emu.set_latency("pins.add", 0)
        time.sleep(0.2)  # past the backoff
        runtime.dispatcher.run_once()
    finally:
        runtime.stop()
    assert [c.error for c in emu.calls_to("conversations.invite")][-1] == "already_in_channel"
    assert [c.error for c in emu.calls_to("pins.add")][-1] == "already_pinned"
    with live_domain.unit() as ctx:
        rows = [(m.topic, m.state, m.attempts) for m in ctx.session.scalars(select(OutboxMessage))]
        done = {p.kind for p in list_postings(ctx, incident_to_show(ctx, ref).id)}
    assert (Topic.INCIDENT_DECLARED, DONE, 2) in rows
    assert {PostingKind.INVITE, PostingKind.PIN, PostingKind.CARD} <= done
    assert len(emu.pins(channel.id)) == 1


def test_a_dm_to_someone_slack_does_not_know_is_given_up_at_once(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    """A hand-off offered to a user id Slack has never heard of (a typo, a made-up id in a walkthrough): one try,
    one log line, no traceback and no retries."""
    ref, _ = bot.declare()
    nobody = "U0NOBODY1"
    with caplog.at_level(logging.WARNING), bot.domain.unit() as ctx:
        roles.handoff(ctx, ref, actor=bot.people.alice, to=nobody)
    with caplog.at_level(logging.WARNING):
        bot.settle()
    dms = [c for c in bot.emu.calls_to("chat.postMessage") if c.args.get("channel") == nobody]
    assert [c.error for c in dms] == ["channel_not_found"]
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.exc_info for r in warned] == [None] * len(warned), "no tracebacks"
    assert [r.getMessage() for r in warned if "direct message" in r.getMessage()] == [
        f"gave up a direct message to {nobody}: Slack answered channel_not_found"
    ]
    assert f"{ref}: could not invite {nobody}: user_not_found" in [r.getMessage() for r in warned]  # the entry's post
    with bot.domain.unit() as ctx:
        rows = ctx.session.scalars(
            select(OutboxMessage).where(OutboxMessage.incident_id == incident_to_show(ctx, ref).id)
        )
        assert {(m.state, m.attempts) for m in rows} == {(DONE, 1)}, "nothing retried"
