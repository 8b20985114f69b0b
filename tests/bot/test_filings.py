"""A clock's reminders carry a "Draft filing" button when the clock has a filing packet: clicking it sends the packet,
filled from the incident, to whoever clicked, and to nobody else; a restricted incident's packet goes to its members
only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.ids import ActionId
from emulators.slack.models import Message
from incidents import lifecycle
from incidents.enums import Severity, Tier
from incidents.models import Clock
from incidents.scheduling.tick import tick
from tests.bot.conftest import BotUnderTest


def _overdue_nudge(bot: BotUnderTest, ref: str, channel: str, regime: str) -> Message:
    """Let the clock's deadline pass and the scheduler remind its owners in the channel."""
    with bot.domain.unit() as ctx:
        clock = next(c for c in bot.incident(ref).clocks if c.regime == regime)
        ctx.session.get_one(Clock, clock.id).due_at = ctx.now() - timedelta(minutes=5)
    tick(bot.domain, bot.settings.scheduling)
    bot.settle()
    nudge = bot.wait_for(lambda: next((m for m in bot.emu.messages(channel) if "deadline for" in (m.text or "")), None))
    assert nudge is not None
    return nudge


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    """The text of each block and of each of its elements, as a person reads them."""
    found = [b["text"]["text"] for b in blocks if "text" in b]
    return found + [e["text"] for b in blocks for e in b.get("elements", []) if isinstance(e.get("text"), str)]


def _declared(bot: BotUnderTest, **fields: object) -> tuple[str, str]:
    """An incident declared in Slack by Alice (the domain's declare, as the API's), once its channel is ready."""
    with bot.domain.unit() as ctx:
        ref = lifecycle.declare(ctx, actor=bot.people.alice, severity=Severity.SEV1, **fields).ref  # type: ignore[arg-type]
    bot.settle()
    channel = bot.incident(ref).slack_channel_id
    assert channel is not None
    return ref, channel


def test_the_draft_filing_button_sends_the_packet_to_who_clicked(bot: BotUnderTest) -> None:
    emu, alice = bot.emu, bot.people.alice
    summary = "Guest wrote he'd <!channel> come back & hurt the host"
    ref, channel = _declared(bot, title="Threat against a host", types=["threat_violence"], summary=summary)
    nudge = _overdue_nudge(bot, ref, channel, "eu_dsa_art18")
    assert "Draft filing" in str(nudge.blocks)

    ack = emu.block_action(alice, nudge, ActionId.DRAFT_FILING)
    [packet] = bot.wait_for(lambda: emu.replies_to(ack))
    shown = "\n".join(_texts(packet.blocks or []))
    assert packet.response_type == "ephemeral" and not packet.replace_original
    assert "DSA Art. 18 notification of a suspected criminal offence threatening life or safety" in shown
    assert "Guest wrote he'd &lt;!channel&gt; come back &amp; hurt the host" in shown  # as typed, never a ping
    assert "*The member state(s) concerned* (Art. 18(2))\n:warning: _Still missing_" in shown
    assert "*Still missing (" in shown and "• The information necessary to locate and identify the user" in shown
    assert "<https://eur-lex.europa.eu/eli/reg/2022/2065/oj|source>" in shown
    assert not [m for m in emu.messages(channel) if "threatening life or safety" in str(m.blocks)]  # only Alice's


def test_a_restricted_incidents_packet_is_refused_to_a_non_member(bot: BotUnderTest) -> None:
    emu, alice, bob = bot.emu, bot.people.alice, bot.people.bob
    ref, channel = _declared(bot, title="Live stream of self-harm", types=["suicide_self_harm"], tier=Tier.RESTRICTED)
    nudge = _overdue_nudge(bot, ref, channel, "eu_dsa_art18")

    ack = emu.block_action(bob, nudge, ActionId.DRAFT_FILING)
    [refusal] = bot.wait_for(lambda: emu.replies_to(ack))
    assert refusal.response_type == "ephemeral" and refusal.blocks is None
    assert refusal.text == f"No incident '{ref}' (INC-&lt;year&gt;-&lt;number&gt;, e.g. INC-2026-0042)."

    ack = emu.block_action(alice, nudge, ActionId.DRAFT_FILING)
    [packet] = bot.wait_for(lambda: emu.replies_to(ack))
    assert "DSA Art. 18 notification" in str(packet.blocks)
