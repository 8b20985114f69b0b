"""Declaring from Slack: quick declare, the declare modal, and what Slack and the database hold afterwards."""

from __future__ import annotations

from bot.ids import Field, PostingKind, ViewId
from incidents.enums import Severity, Tier
from tests.bot.conftest import BotUnderTest


def test_quick_declare_provisions_channel_card_and_announcement(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ack = bot.command("declare SEV2 type:fraud_scam Scam wave targeting hosts")
    assert "Declared *INC-2026-0001*" in bot.reply(ack)
    bot.settle()

    channel = emu.channel_named("inc-2026-0001-scam-wave-targeting-hosts")
    assert channel is not None and not channel.is_private
    assert people.alice in channel.members and emu.bot_user_id in channel.members
    assert channel.topic.startswith("INC-2026-0001 · SEV2 · declared")
    assert channel.purpose == "INC-2026-0001: Scam wave targeting hosts"
    pins = emu.pins(channel.id)
    assert len(pins) == 1
    card = next(m for m in emu.messages(channel.id) if m.ts == pins[0].ts)
    assert card.blocks is not None and card.blocks[0]["text"]["text"] == "INC-2026-0001 · SEV2 · declared"
    announcements = emu.messages(people.announce)
    assert len(announcements) == 1 and f"<#{channel.id}>" in announcements[0].blocks[0]["text"]["text"]

    incident = bot.incident("INC-2026-0001")
    assert incident.slack_channel_id == channel.id
    assert incident.severity is Severity.SEV2 and incident.type_names == ["fraud_scam"]


def _declare_modal(bot: BotUnderTest, user: str) -> str:
    return bot.wait_for(
        lambda: next(
            (
                v.id
                for v in bot.emu.views.values()
                if v.user == user and v.view.get("callback_id") == ViewId.DECLARE and not v.closed
            ),
            None,
        )
    )


def _values(title: str, types: list[str], severity: str = "SEV1", **extra: dict[str, object]) -> dict:
    values = {
        Field.TITLE: {Field.TITLE: title},
        Field.TYPES: {Field.TYPES: types},
        Field.SEVERITY: {Field.SEVERITY: severity},
    }
    values.update(extra)
    return {str(k): {str(a): v for a, v in inner.items()} for k, inner in values.items()}


def test_declare_modal_invites_responders_and_confirms(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ack = bot.command("")
    assert not (ack.payload or {}).get("text")
    view_id = _declare_modal(bot, people.alice)
    values = _values(
        "Credible threat against a host",
        ["threat_violence"],
        **{Field.RESPONDERS: {Field.RESPONDERS: [people.bob, people.carol]}, Field.REGION: {Field.REGION: "EMEA"}},
    )
    ack = emu.submit_view(view_id, people.alice, values)
    assert ack.problems == []
    confirmation = emu.views[view_id]
    assert "INC-2026-0001" in confirmation.view["blocks"][0]["text"]["text"]
    bot.settle()

    incident = bot.incident("INC-2026-0001")
    channel = emu.channels[incident.slack_channel_id]
    assert {people.alice, people.bob, people.carol} <= channel.members
    assert incident.severity is Severity.SEV1 and incident.region == "EMEA"
    assert incident.commander == people.alice
    assert channel.name == "inc-2026-0001-credible-threat-against-a-host"


def test_bad_title_comes_back_as_a_field_error(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    bot.command("")
    view_id = _declare_modal(bot, people.alice)
    ack = emu.submit_view(view_id, people.alice, _values("Threats from someone@example.com", ["threat_violence"]))
    assert ack.problems == []
    view = emu.views[view_id]
    assert not view.closed
    assert view.errors is not None and "e-mail" in view.errors[Field.TITLE]
    with bot.domain.unit() as ctx:
        from incidents.queries import list_incidents

        assert list_incidents(ctx) == []


def test_restricted_incident_gets_private_channel_and_no_announcement(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ack = bot.command("declare SEV1 type:child_safety Exploitation report on a listing")
    assert "highly_restricted" in bot.reply(ack)
    bot.settle()
    incident = bot.only_incident()
    assert incident.tier is Tier.HIGHLY_RESTRICTED
    channel = emu.channels[incident.slack_channel_id]
    assert channel.is_private
    assert emu.messages(people.announce) == []
    elsewhere = [m for c in emu.channels if c != channel.id for m in emu.messages(c)]
    assert not any(incident.ref in (m.text or "") or "Exploitation" in (m.text or "") for m in elsewhere)
    for message in emu.messages(channel.id):
        assert message.unfurl_links is False and message.unfurl_media is False
    with bot.domain.unit() as ctx:
        from incidents.postings import find_posting

        assert find_posting(ctx, incident.id, PostingKind.ANNOUNCEMENT) is None


def test_declare_from_message_prefills_and_links_it(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    emu.message_event(people.bob, people.general, "Hosts report a phishing wave\nSeveral accounts taken over")
    source = emu.messages(people.general)[-1]
    emu.message_shortcut(people.bob, people.general, source.ts, "incident-declare-from-message")
    view_id = _declare_modal(bot, people.bob)
    modal = emu.views[view_id].view
    title_input = next(b for b in modal["blocks"] if b.get("block_id") == Field.TITLE)
    assert title_input["element"]["initial_value"] == "Hosts report a phishing wave"
    emu.submit_view(view_id, people.bob, {Field.TYPES: {Field.TYPES: ["account_takeover"]}})
    bot.settle()

    incident = bot.only_incident()
    assert incident.summary.startswith("Hosts report a phishing wave")
    declared = incident.timeline[0]
    assert declared.source_url and source.ts.replace(".", "") in declared.source_url
    bookmarks = emu.bookmarks(incident.slack_channel_id)
    assert [b.link for b in bookmarks] == [declared.source_url]
