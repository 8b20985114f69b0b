"""What people type never pings or links in Slack: only the mentions Vigil means are live (issue #13)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from bot.command_grammar import AddNote, parse
from bot.slack_text import from_slack
from emulators.slack.models import Message
from incidents import actions
from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.enums import TimelineKind
from incidents.mentions import Mention
from incidents.people import upsert_person
from tests.bot.conftest import BotUnderTest
from web.api import build_api_router
from web.app import build_web_app
from web.server import WebServer

HOSTILE_TITLE = "<!channel> <!here> <@U0EVIL01> Ops & abuse <https://evil.example/login|Open the runbook>"
LIVE_MARKUP = ("<!channel>", "<!here>", "<@U0EVIL01>", "<https://evil.example")


def _sent(message: Message) -> str:
    """Everything Slack was given for a message: the notification text and the blocks."""
    return json.dumps([message.text, message.blocks])


def _assert_inert(sent: str) -> None:
    for markup in LIVE_MARKUP:
        assert markup not in sent, markup
    assert "&lt;!channel&gt;" in sent and "&amp; abuse" in sent and "Open the runbook&gt;" in sent


@pytest.fixture
def intake(bot: BotUnderTest) -> Iterator[httpx.Client]:
    """The intake API over the bot's database, with a key that may declare."""
    domain: Domain = bot.domain
    with domain.unit() as ctx:
        _key, token = apikeys.create_key(
            ctx, actor="cli:ops", name="hotline", scopes=[apikeys.READ, apikeys.WRITE], rate_per_minute=10_000
        )
    app = build_web_app(domain, [build_api_router(domain, bot.settings)])
    with WebServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_intake_title_is_escaped_in_announcement_and_card(bot: BotUnderTest, intake: httpx.Client) -> None:
    emu, people = bot.emu, bot.people
    with bot.domain.unit() as ctx:
        upsert_person(ctx, people.alice, display_name="Alice", email="alice@example.org")
    response = intake.post(
        "/api/v1/incidents",
        json={
            "title": HOSTILE_TITLE,
            "summary": "Caller said <!everyone> & <https://evil.example/x|support>",
            "types": ["fraud_scam"],
            "severity": "SEV2",
            "commander_email": "alice@example.org",
        },
        headers={"Idempotency-Key": "escape-1"},
    )
    assert response.status_code == 201, response.text
    ref = response.json()["ref"]
    bot.settle()

    [announcement] = emu.messages(people.announce)
    _assert_inert(_sent(announcement))
    channel = bot.incident(ref).slack_channel_id
    assert channel is not None
    [pin] = emu.pins(channel)
    card = next(m for m in emu.messages(channel) if m.ts == pin.ts)
    sent = _sent(card)
    _assert_inert(sent)
    assert "<!everyone>" not in sent and "<https://evil.example/x" not in sent
    assert f"<@{people.alice}>" in sent, "the commander Vigil names is still mentioned"
    assert "<" not in emu.channels[channel].purpose


def test_slack_note_is_stored_plain_and_echoed_with_only_its_mention_live(bot: BotUnderTest) -> None:
    people = bot.people
    ref, channel = bot.declare()
    typed = f"Call <@{people.bob}|bob> now <!channel> &lt;!here&gt; &amp; <https://evil.example|the runbook>"
    reply = bot.reply(bot.command(f"note {typed}", channel=channel.id))

    entry = next(e for e in bot.incident(ref).timeline if e.kind is TimelineKind.NOTE)
    assert entry.text == "Call @bob now @channel <!here> & the runbook (https://evil.example)"
    assert entry.data["mentions"] == [{"key": people.bob, "start": 5, "end": 9}]
    assert f"<@{people.bob}>" in reply
    assert "<!channel>" not in reply and "<!here>" not in reply and "<https://" not in reply
    assert "&lt;!here&gt; &amp; the runbook" in reply


def test_captured_message_keeps_mentions_apart_from_its_text(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    with bot.domain.unit() as ctx:
        upsert_person(ctx, people.carol, display_name="Carol")
    emu.message_event(people.bob, channel.id, f"<@{people.carol}> look &lt;!channel&gt;")
    message = emu.messages(channel.id)[-1]
    emu.reaction_added(people.alice, channel.id, message.ts, "pushpin")
    entry = bot.wait_for(lambda: next((e for e in bot.incident(ref).timeline if e.kind is TimelineKind.MESSAGE), None))
    assert entry.text == "@Carol look <!channel>"
    assert entry.data["mentions"] == [{"key": people.carol, "start": 0, "end": 6}]


def test_severity_reason_from_slack_is_posted_escaped(bot: BotUnderTest) -> None:
    emu = bot.emu
    ref, channel = bot.declare()
    bot.reply(bot.command("severity SEV1 <!here> spreading &amp; <https://evil.example|see>", channel=channel.id))
    bot.settle()
    posted = next(m for m in emu.messages(channel.id) if "spreading" in (m.text or ""))
    sent = _sent(posted)
    assert "<!here>" not in sent and "<https://" not in sent
    assert "@here spreading &amp; see (https://evil.example)" in sent
    assert bot.incident(ref).severity.value == "SEV1"


def test_restricted_incident_posts_never_unfurl(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    _ref, channel = bot.declare("SEV2 type:fraud_scam tier:restricted Account takeover ring")
    bot.reply(bot.command(f"role <@{people.bob}|bob> scribe", channel=channel.id))
    bot.reply(bot.command("severity SEV1 see <https://evil.example/preview>", channel=channel.id))
    bot.settle()
    posts = [m for m in emu.messages(channel.id) if m.bot_id]
    assert len(posts) >= 3, "the card, the role and the severity change"
    for message in posts:
        assert message.unfurl_links is False and message.unfurl_media is False


def test_slack_markup_becomes_plain_text_and_mentions() -> None:
    said = from_slack("<@U0AB12|alice> &amp; <#C0CH4|ops> <!subteam^S1|@oncall> <https://a.example/?x=1&amp;y=2>")
    assert said.text == "@alice & #ops @oncall https://a.example/?x=1&y=2"
    assert said.mentions == (Mention("U0AB12", 0, 6),)
    assert from_slack("<@U0AB12>", {"U0AB12": "Alice"}).text == "@Alice"
    assert parse("note ping <@U0AB12|bob> &lt;b&gt;") == AddNote("ping @bob <b>", (Mention("U0AB12", 5, 9),))


def test_vigil_entry_mentions_only_whom_it_is_about(bot: BotUnderTest) -> None:
    """An action's owner is mentioned; markup typed into its title (here from the CLI) is not."""
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    with bot.domain.unit() as ctx:
        actions.add_action(ctx, ref, actor="cli:ops", title="Warn <@U0EVIL01> <!here> & co", owner=people.bob)
    bot.settle()
    posted = next(m for m in emu.messages(channel.id) if "Warn" in (m.text or ""))
    sent = _sent(posted)
    assert f"<@{people.bob}>" in sent
    assert "<@U0EVIL01>" not in sent and "<!here>" not in sent
    assert "Warn @U0EVIL01 &lt;!here&gt; &amp; co" in sent
