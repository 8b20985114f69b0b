"""Slack carries out a call and the connection dies before its answer arrives (the emulator's ``lose_answer_next``):
Vigil never shows anything twice. The transport does not send such a call again by itself, and the outbox's retry
looks for the tagged post before posting. A card found that way is brought up to date before it is pinned, and
the channel topic is sent coalesced, however fast the incident changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from bot.ids import CARD_EVENT
from bot.slack_retries import safe_retry_handlers
from emulators.slack import SlackEmulator
from incidents import lifecycle, roles
from incidents.context import Domain
from incidents.enums import Severity, Status
from incidents.outbox import PENDING, OutboxMessage
from tests.bot.conftest import BotUnderTest, People, bot_settings, running_bot, start_runtime
from tests.helpers import declared_ref
from vigil.assembly import Runtime


def _posts(emu: SlackEmulator, channel: str, kind: str) -> list[str]:
    """Texts of Vigil's posts tagged ``kind`` in ``channel``."""
    messages = emu.messages(channel)
    return [
        str(m.text)
        for m in messages
        if (m.metadata or {}).get("event_type") == CARD_EVENT and m.metadata["event_payload"]["kind"] == kind
    ]


def _card_header(emu: SlackEmulator, channel: str) -> str:
    pins = emu.pins(channel)
    assert len(pins) == 1
    card = next(m for m in emu.messages(channel) if m.ts == pins[0].ts)
    return str(card.blocks[0]["text"]["text"]) if card.blocks else ""


def _pending(domain: Domain) -> int:
    with domain.unit() as ctx:
        return ctx.session.scalar(select(func.count()).where(OutboxMessage.state == PENDING)) or 0


def _deliver_until_settled(runtime: Runtime, domain: Domain, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while _pending(domain) and time.monotonic() < deadline:
        runtime.dispatcher.run_once()
        time.sleep(0.05)
    assert _pending(domain) == 0


@pytest.fixture
def quiet_runtime(emu: SlackEmulator, people: People, live_domain: Domain, db_url: str) -> Iterator[Runtime]:
    """The bot's outbox, run by hand, without an announcements channel (the card is the only post at declare)."""
    settings = bot_settings(emu, db_url, people.announce).model_copy(update={"announce_channel": None})
    runtime = start_runtime(settings, live_domain, dispatcher=False)
    try:
        yield runtime
    finally:
        runtime.stop()


def test_a_card_whose_answer_was_lost_is_posted_once_and_shows_the_incident_as_it_is_now(
    emu: SlackEmulator, people: People, live_domain: Domain, quiet_runtime: Runtime
) -> None:
    ref = declared_ref(
        live_domain, actor=people.alice, title="Gift card scam", types=["fraud_scam"], severity=Severity.SEV3
    )
    emu.lose_answer_next("chat.postMessage")
    quiet_runtime.dispatcher.run_once()  # the card is posted in Slack, but Vigil never hears so
    with live_domain.unit() as ctx:  # changes while the card is unknown to Vigil: their refreshes have no card
        lifecycle.change_severity(ctx, ref, actor=people.alice, severity=Severity.SEV1, reason="spreading")
    with live_domain.unit() as ctx:
        lifecycle.change_status(ctx, ref, actor=people.alice, status=Status.MITIGATED, note="domain blocked")
    _deliver_until_settled(quiet_runtime, live_domain)

    channel = emu.channel_named(f"{ref.lower()}-gift-card-scam")
    assert channel is not None
    assert len(_posts(emu, channel.id, "card")) == 1
    assert _card_header(emu, channel.id) == f"{ref} · SEV1 · mitigated"
    assert emu.channels[channel.id].topic.startswith(f"{ref} · SEV1 · mitigated")


def test_a_stale_refresh_landing_after_a_newer_one_does_not_leave_the_card_behind(
    emu: SlackEmulator, people: People, live_domain: Domain, quiet_runtime: Runtime
) -> None:
    """Two replicas refresh one card at once and Slack applies their edits in the other order: the one that rendered
    the older state lands last. The card still ends up showing the incident as it is."""
    ref = declared_ref(
        live_domain, actor=people.alice, title="Login outage", types=["platform_outage"], severity=Severity.SEV3
    )
    _deliver_until_settled(quiet_runtime, live_domain)
    with live_domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor=people.alice, severity=Severity.SEV2, reason="second region")
    emu.set_latency("chat.update", 800)
    slow = threading.Thread(target=quiet_runtime.dispatcher.run_once)  # renders SEV2 · declared, then waits
    slow.start()
    time.sleep(0.3)
    emu.set_latency("chat.update", 0)
    with live_domain.unit() as ctx:
        lifecycle.change_status(ctx, ref, actor=people.alice, status=Status.RESOLVED, note="rolled back")
    quiet_runtime.dispatcher.run_once()  # the other replica: SEV2 · resolved, applied first
    slow.join()
    _deliver_until_settled(quiet_runtime, live_domain)

    channel = emu.channel_named(f"{ref.lower()}-login-outage")
    assert channel is not None
    assert _card_header(emu, channel.id) == f"{ref} · SEV2 · resolved"


def test_an_announcement_whose_answer_was_lost_is_posted_once(bot: BotUnderTest) -> None:
    bot.emu.lose_answer_next("chat.postMessage", channel=bot.people.announce)
    ref, _ = bot.declare()
    assert len(bot.emu.messages(bot.people.announce)) == 1
    posted = [c for c in bot.emu.calls_to("chat.postMessage") if c.args.get("channel") == bot.people.announce]
    assert len(posted) == 1, "not sent again by the transport, and found by its tag on the retry"
    assert ref in _posts(bot.emu, bot.people.announce, "announcement")[0]


def test_a_timeline_post_whose_answer_was_lost_is_posted_once(bot: BotUnderTest) -> None:
    _, channel = bot.declare()
    bot.emu.lose_answer_next("chat.postMessage", channel=channel.id)
    assert "is now SEV1" in bot.reply(bot.command("severity SEV1 second region affected", channel=channel.id))
    bot.settle()
    raised = [m.text for m in bot.emu.messages(channel.id) if "Severity raised from SEV2 to SEV1" in (m.text or "")]
    assert len(raised) == 1


def test_a_handoff_prompt_whose_answer_was_lost_is_sent_once(bot: BotUnderTest) -> None:
    ref, _ = bot.declare()
    bot.emu.lose_answer_next("chat.postMessage", channel=bot.people.bob)
    with bot.domain.unit() as ctx:
        roles.handoff(ctx, ref, actor=bot.people.alice, to=bot.people.bob)
    bot.settle()
    assert len(bot.emu.dms(bot.people.bob)) == 1


@pytest.mark.slow  # waits out the topic interval in real time
def test_twenty_rapid_changes_set_the_topic_a_handful_of_times_and_end_right(
    emu: SlackEmulator, people: People, live_domain: Domain, db_url: str
) -> None:
    settings = bot_settings(emu, db_url, people.announce, topic_interval_seconds=3.0)
    with running_bot(emu, people, live_domain, settings) as bot:
        _change_twenty_times(bot)


def _change_twenty_times(bot: BotUnderTest) -> None:
    ref, channel = bot.declare()
    before = len(bot.emu.calls_to("conversations.setTopic"))
    for n in range(20):
        with bot.domain.unit() as ctx:
            severity = Severity.SEV1 if n % 2 == 0 else Severity.SEV3
            lifecycle.change_severity(ctx, ref, actor=bot.people.alice, severity=severity, reason=f"change {n}")
    bot.runtime.dispatcher.poke()
    bot.settle(timeout=30)
    calls = bot.emu.calls_to("conversations.setTopic")[before:]
    assert 1 <= len(calls) <= 5 and all(c.ok for c in calls), [c.error for c in calls]
    assert bot.emu.channels[channel.id].topic.startswith(f"{ref} · SEV3 ·")


def _client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.web_api_url, token=emu.bot_token, timeout=2, retry_handlers=safe_retry_handlers())


def _fails(call: Callable[[], object]) -> bool:
    try:
        call()
    except (SlackApiError, OSError):
        return True
    return False


def test_the_transport_sends_again_only_what_cannot_happen_twice(emu: SlackEmulator, people: People) -> None:
    client = _client(emu)
    emu.lose_answer_next("conversations.history")
    assert client.conversations_history(channel=people.general)["ok"], "a read is simply asked again"

    emu.lose_answer_next("chat.postMessage")
    assert _fails(lambda: client.chat_postMessage(channel=people.general, text="once"))
    emu.fail_next("chat.postMessage", "internal_error", status=500)
    assert _fails(lambda: client.chat_postMessage(channel=people.general, text="maybe applied"))
    emu.fail_next("chat.postMessage", "service_unavailable", status=503)
    assert client.chat_postMessage(channel=people.general, text="not applied, so sent again")["ok"]
    assert [m.text for m in emu.messages(people.general)] == ["once", "not applied, so sent again"]


def test_a_write_is_sent_again_when_the_connection_was_never_made(emu: SlackEmulator, people: People) -> None:
    client = _client(emu)
    emu.go_down()
    threading.Timer(0.2, emu.come_up).start()  # before slack_sdk's backoff ends
    assert client.chat_postMessage(channel=people.general, text="refused, then sent")["ok"]
    assert [m.text for m in emu.messages(people.general)] == ["refused, then sent"]
