"""The record from Slack: the checkpoint a resolve calls for (made by the scheduler's next tick) is posted to the
record channel, whose copy catches a rewrite of the whole database; legal holds are placed and released by the
incident's legal role, and refuse erasure meanwhile."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from emulators.slack import Message, SlackEmulator
from incidents.context import Domain
from incidents.parties.models import PartyRole
from incidents.parties.service import add_party
from incidents.record.delivery import checkpoint_if_due
from incidents.record.signing import Signer
from tests.bot.conftest import BotUnderTest, People, bot_settings, running_bot
from tests.record.rewriting import rewrite_consistently
from vigil.cli import main


@pytest.fixture
def signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


@pytest.fixture
def record_bot(
    emu: SlackEmulator, people: People, live_domain: Domain, db_url: str, signer: Signer
) -> Iterator[BotUnderTest]:
    """The bot with a signing key and a record channel."""
    raw = signer.key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    record = emu.add_channel("vigil-record", members=[people.alice])
    settings = bot_settings(
        emu, db_url, people.announce, record_channel=record, record_signing_key=base64.b64encode(raw).decode()
    )
    with running_bot(emu, people, live_domain, settings) as bot:
        yield bot


def verify(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`vigil verify --all` configured as the bot is (it reads the record channel from Slack)."""
    settings = bot.settings
    assert settings.record_channel and settings.slack_bot_token and settings.record_signing_key
    for name, value in {
        "VIGIL_DATABASE_URL": settings.database_url,
        "VIGIL_RECORD_SIGNING_KEY": settings.record_signing_key,
        "VIGIL_RECORD_CHANNEL": settings.record_channel,
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_API_URL": settings.slack_api_url,
    }.items():
        monkeypatch.setenv(name, value)
    code = main(["verify", "--all"])
    return code, capsys.readouterr().out


def test_a_resolve_posts_a_checkpoint_whose_copy_catches_a_rewrite_of_the_whole_database(
    record_bot: BotUnderTest, signer: Signer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = record_bot
    ref, channel = bot.declare()
    # answered once it is recorded: a note still on its way when the checkpoint is made is only the next one's
    bot.reply(bot.command("note The host sent screenshots of the threats.", channel=channel.id))
    bot.reply(bot.command("resolve Listing removed, host safe", channel=channel.id))
    checkpoint_if_due(bot.domain, bot.settings)  # what the scheduler's tick does
    bot.settle()
    assert bot.settings.record_channel is not None
    [posted] = [m.text for m in bot.emu.messages(bot.settings.record_channel) if m.bot_id]
    assert posted.startswith("Vigil record checkpoint #1 (") and "· 1 log grew · sha256 " in posted

    code, out = verify(bot, monkeypatch, capsys)
    assert code == 0, out
    assert out.startswith("Record verified at checkpoint #1")

    note = next(e for e in bot.incident(ref).timeline if e.text.startswith("The host sent"))
    rewrite_consistently(bot.domain.engine, signer, "timeline_entries", note.id, "text", "Nothing was sent.")
    code, out = verify(bot, monkeypatch, capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        "Checkpoint #1 differs from the one posted to the record channel: the record was rewritten after it was "
        f"posted (it fixed {ref})."
    )


def test_the_legal_role_holds_an_incident_and_erasure_waits_for_the_release(record_bot: BotUnderTest) -> None:
    bot, people = record_bot, record_bot.people
    ref, channel = bot.declare()
    with bot.domain.unit() as ctx:
        add_party(ctx, ref, actor=people.alice, role=PartyRole.REPORTER, name="Jane Doe")
    bot.reply(bot.command(f"role <@{people.bob}> legal", channel=channel.id))

    refused = bot.reply(bot.command('hold "Doe v. Platform" subpoena received', channel=channel.id))
    assert refused == f"Only {ref}'s legal role can place or release its legal holds."
    placed = bot.reply(bot.command('hold "Doe v. Platform" subpoena received', user=people.bob, channel=channel.id))
    assert (
        placed
        == f"{ref} is under legal hold for Doe v. Platform: nothing of it is erased or purged until it is released."
    )

    erase = bot.reply(bot.command("party erase 1", channel=channel.id))
    assert erase.startswith(f"{ref} is under legal hold for 'Doe v. Platform', placed by <@{people.bob}> on ")
    assert erase.endswith(f"erasing a party is refused until it is released (vigil hold release {ref}).")
    listed = bot.reply(bot.command("hold", channel=channel.id))
    assert listed.startswith(f"• {ref}: Doe v. Platform — placed by <@{people.bob}> on <!date^")
    assert listed.endswith("(subpoena received)")
    bot.settle()
    assert "*Legal hold* for Doe v. Platform, placed by" in str(card(bot, channel.id).blocks)

    released = bot.reply(bot.command("hold release", user=people.bob, channel=channel.id))
    assert released == f"Released the legal hold on {ref} for Doe v. Platform."
    assert bot.reply(bot.command("party erase 1", channel=channel.id)) == f"Erased Reporter from {ref}: 0 replacements."
    bot.settle()
    assert "Legal hold" not in str(card(bot, channel.id).blocks)


def card(bot: BotUnderTest, channel: str) -> Message:
    [pin] = bot.emu.pins(channel)
    return next(m for m in bot.emu.messages(channel) if m.ts == pin.ts)
