"""An incident declared from the terminal stays out of Slack, even with a bot serving its database, until someone
runs ``vigil provision``: no channel, no posts, no DMs, and nothing left waiting to be sent later."""

from __future__ import annotations

import re

import pytest

from incidents import roles, timeline
from tests.bot.conftest import BotUnderTest
from vigil.cli import main

DECLARER = "cli:dana"


def _vigil(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["--as", DECLARER, *argv]) == 0
    return capsys.readouterr().out


def test_a_terminal_incident_reaches_slack_only_once_provisioned(
    bot: BotUnderTest, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    said = _vigil(capsys, "declare", "Threat against a host", "--type", "threat_violence", "--severity", "SEV1")
    found = re.search(r"vigil provision (INC-\d{4}-\d{4})", said)
    assert found, said
    ref = found.group(1)
    people = bot.people
    with bot.domain.unit() as ctx:
        roles.assign_role(ctx, ref, actor=DECLARER, role="scribe", person=people.bob)
        roles.handoff(ctx, ref, actor=DECLARER, to=people.carol)
        timeline.add_note(ctx, ref, actor=DECLARER, text="Host moved to safety")
    bot.runtime.dispatcher.poke()
    bot.settle()  # every message about it is done, none waits to be retried
    slack_calls = [c.method for c in bot.emu.calls if not c.method.startswith(("auth.", "apps.", "users."))]
    assert slack_calls == [] and bot.incident(ref).slack_channel_id is None
    assert not bot.emu.dms(people.bob) and not bot.emu.dms(people.carol)

    assert f"{ref} goes into Slack" in _vigil(capsys, "provision", ref)
    bot.runtime.dispatcher.poke()
    bot.settle()
    channel_id = bot.wait_for(lambda: bot.incident(ref).slack_channel_id)
    assert people.bob in bot.emu.channels[channel_id].members and bot.emu.pins(channel_id)
    assert not bot.emu.dms(people.carol)  # the hand-off offered before it was in Slack is not sent after

    assert main(["provision", ref]) == 1
    assert "already in Slack" in capsys.readouterr().err
