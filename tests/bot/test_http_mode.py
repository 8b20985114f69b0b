"""HTTP mode: signed requests are served, unsigned or stale ones refused, url_verification answered."""

from __future__ import annotations

import pytest

from emulators.slack import AckTimeoutError
from tests.bot.conftest import BotUnderTest


def test_url_verification_is_answered(http_bot: BotUnderTest) -> None:
    ack = http_bot.emu.url_verification("challenge-123")
    assert ack.status == 200 and (ack.payload or {}).get("challenge") == "challenge-123"


@pytest.mark.parametrize("signature", ["invalid", "stale"])
def test_bad_signatures_are_refused(http_bot: BotUnderTest, signature: str) -> None:
    try:
        ack = http_bot.command("declare Should not exist", signature=signature)
    except AckTimeoutError as exc:  # pragma: no cover - a refusal must be quick, not a timeout
        raise AssertionError("the app should refuse at once") from exc
    assert ack.status == 401
    assert http_bot.pending() == 0


def test_signed_declare_provisions_through_http(http_bot: BotUnderTest) -> None:
    ref, channel = http_bot.declare()
    assert channel.name.startswith("inc-2026-") and http_bot.emu.pins(channel.id)
    assert http_bot.incident(ref).slack_channel_id == channel.id
