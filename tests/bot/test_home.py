"""The App Home tab lists open incidents the viewer may see; restricted ones only for their members."""

from __future__ import annotations

from tests.bot.conftest import BotUnderTest


def _home_text(bot: BotUnderTest, user: str) -> str:
    home = bot.wait_for(lambda: next((v for v in bot.emu.views.values() if v.type == "home" and v.user == user), None))
    return str(home.view["blocks"])


def test_home_shows_visible_open_incidents(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    public_ref, _ = bot.declare("SEV3 type:fraud_scam Fake payment pages")
    secret_ref, _ = bot.declare("SEV1 type:domestic_violence Threats to a host", user=people.carol)

    emu.app_home_opened(people.bob)
    seen_by_bob = _home_text(bot, people.bob)
    assert public_ref in seen_by_bob and secret_ref not in seen_by_bob
    assert "Threats to a host" not in seen_by_bob

    emu.app_home_opened(people.carol)
    seen_by_carol = _home_text(bot, people.carol)
    assert public_ref in seen_by_carol and secret_ref in seen_by_carol
    assert "missing legal" in seen_by_carol
