"""Running an incident from its channel: roles, hand-off, severity, status, updates, notes, actions, clocks,
resolve and close; and what those commands say outside an incident channel."""

from __future__ import annotations

from datetime import date

from bot.ids import ActionId, Field, ViewId
from incidents.effects import changed
from incidents.enums import ActionStatus, Severity, Status
from incidents.queries import incident_to_change
from tests.bot.conftest import BotUnderTest


def _card_header(bot: BotUnderTest, channel: str) -> str:
    pin = bot.emu.pins(channel)[0]
    card = next(m for m in bot.emu.messages(channel) if m.ts == pin.ts)
    return str(card.blocks[0]["text"]["text"]) if card.blocks else ""


def _posted_texts(bot: BotUnderTest, channel: str) -> list[str]:
    return [m.text for m in bot.emu.messages(channel)]


def test_commands_outside_an_incident_channel_say_so(bot: BotUnderTest) -> None:
    for text in ("role <@U123> deputy", "severity SEV1 worse", "note hello", "resolve", "update"):
        reply = bot.reply(bot.command(text))
        assert "works in an incident's channel" in reply, text
    assert bot.pending() == 0
    assert bot.emu.views == {}


def test_unknown_and_malformed_commands_explain_themselves(bot: BotUnderTest) -> None:
    assert "Try `/incident help`" in bot.reply(bot.command("frobnicate"))
    _, channel = bot.declare()
    assert "Say why" in bot.reply(bot.command("severity SEV1", channel=channel.id))
    assert "Unknown severity" in bot.reply(bot.command("severity SEV9 because", channel=channel.id))
    assert "not a date" in bot.reply(bot.command("action Fix it due:tomorrow", channel=channel.id))
    help_ack = bot.command("help", channel=channel.id)
    assert "/incident role @person &lt;role&gt;" in str(help_ack.payload), "usage placeholders are not links"


def test_role_severity_status_note_and_card_updates(bot: BotUnderTest) -> None:
    people = bot.people
    ref, channel = bot.declare()
    reply = bot.reply(bot.command(f"role <@{people.bob}|bob> deputy", channel=channel.id))
    assert f"<@{people.bob}> is now deputy" in reply
    assert "is now SEV1" in bot.reply(bot.command("severity SEV1 second region affected", channel=channel.id))
    assert "now mitigated" in bot.reply(bot.command("status mitigated blocked the scam domain", channel=channel.id))
    assert "Noted" in bot.reply(bot.command("note Domain registrar contacted", channel=channel.id))
    bot.settle()

    incident = bot.incident(ref)
    assert incident.current_holders("deputy") == [people.bob]
    assert incident.severity is Severity.SEV1 and incident.status is Status.MITIGATED
    assert incident.timeline[-1].text == "Domain registrar contacted"
    assert _card_header(bot, channel.id) == f"{ref} · SEV1 · mitigated"
    assert bot.emu.channels[channel.id].topic.startswith(f"{ref} · SEV1 · mitigated")
    posted = _posted_texts(bot, channel.id)
    assert any("Severity raised from SEV2 to SEV1" in t for t in posted)
    assert any(f"<@{people.bob}> is now deputy" in t for t in posted)
    assert not any("Domain registrar contacted" in t for t in posted), "notes stay off the channel"


def test_a_refresh_finding_the_card_as_slack_shows_it_sends_nothing(bot: BotUnderTest) -> None:
    """``chat.update`` is Tier 3, about 50 calls a minute for the whole workspace: a refresh whose card is the one
    Slack shows (changes landing in the same second, replicas refreshing at once) sends nothing, which once had six
    incidents' cards wait out Slack's minute; a change the card shows still reaches it."""
    ref, channel = bot.declare()

    def card_edits() -> int:
        return len([c for c in bot.emu.calls_to("chat.update") if c.args.get("channel") == channel.id])

    def refresh() -> None:
        with bot.domain.unit() as ctx:
            changed(ctx, incident_to_change(ctx, ref))
        bot.settle()

    refresh()  # whatever the declare's own refreshes left, the card is now known to be the one Slack shows
    before = card_edits()
    refresh()
    refresh()
    assert card_edits() == before

    assert "is now SEV1" in bot.reply(bot.command("severity SEV1 second region affected", channel=channel.id))
    bot.settle()
    assert card_edits() > before
    assert _card_header(bot, channel.id) == f"{ref} · SEV1 · declared"


def test_handoff_needs_acceptance_by_the_new_commander(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    reply = bot.reply(bot.command(f"handoff <@{people.bob}>", channel=channel.id))
    assert "Accept/Decline" in reply
    prompt = bot.wait_for(lambda: next(iter(emu.dms(people.bob)), None))
    assert bot.incident(ref).commander == people.alice

    emu.block_action(people.bob, prompt, ActionId.HANDOFF_ACCEPT)
    bot.wait_for(lambda: any("You are now the commander" in (r.text or "") for r in emu.responses))
    bot.settle()
    assert bot.incident(ref).commander == people.bob
    assert any("accepted command" in t for t in _posted_texts(bot, channel.id))


def test_handoff_declined_keeps_the_commander(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    bot.reply(bot.command(f"handoff <@{people.carol}>", channel=channel.id))
    prompt = bot.wait_for(lambda: next(iter(emu.dms(people.carol)), None))
    emu.block_action(people.bob, prompt, ActionId.HANDOFF_DECLINE)
    bot.wait_for(lambda: any("Only the person" in (r.text or "") for r in emu.responses))
    emu.block_action(people.carol, prompt, ActionId.HANDOFF_DECLINE)
    bot.wait_for(lambda: any("You declined" in (r.text or "") for r in emu.responses))
    assert bot.incident(ref).commander == people.alice


def test_update_modal_posts_the_update(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare()
    bot.command("update", channel=channel.id)
    view_id = bot.wait_for(
        lambda: next((v.id for v in emu.views.values() if v.view.get("callback_id") == ViewId.UPDATE), None)
    )
    values = {
        Field.STATUS: {Field.STATUS: "investigating"},
        Field.SUMMARY: {Field.SUMMARY: "Scam domain identified"},
        Field.IMPACT: {Field.IMPACT: "About 40 hosts messaged"},
        Field.NEXT_UPDATE: {Field.NEXT_UPDATE: "30m"},
    }
    ack = emu.submit_view(view_id, people.alice, {str(k): {str(a): v for a, v in d.items()} for k, d in values.items()})
    assert ack.problems == [] and emu.views[view_id].closed
    bot.settle()
    incident = bot.incident(ref)
    assert incident.status is Status.INVESTIGATING
    assert incident.updates[-1].summary == "Scam domain identified"
    assert incident.updates[-1].next_update_due is not None
    assert any(
        "Status update" in (m.blocks or [{}])[0].get("text", {}).get("text", "") for m in emu.messages(channel.id)
    )


def test_action_clock_resolve_close(bot: BotUnderTest) -> None:
    people = bot.people
    ref, channel = bot.declare("SEV1 type:data_breach Exposed booking export")
    due = date(2030, 1, 31)
    reply = bot.reply(bot.command(f"action Rotate export keys <@{people.carol}> due:{due}", channel=channel.id))
    assert "Action #" in reply
    assert "several running clocks" in bot.reply(bot.command("clock ANPD-1", channel=channel.id))
    listing = bot.reply(bot.command("clock", channel=channel.id))
    assert "gdpr_art33" in listing
    assert "met" in bot.reply(bot.command("clock gdpr_art33 DPA-2026-77", channel=channel.id))
    bot.command("resolve keys rotated", channel=channel.id)  # its playbook steps are open: a form asks first
    resolving = bot.wait_for(lambda: [v for v in bot.emu.views.values() if v.view["callback_id"] == ViewId.RESOLVE])
    assert bot.emu.submit_view(resolving[0].id, people.alice, {"note": {"note": "keys rotated"}}).problems == []
    assert "closed" in bot.reply(bot.command("close", channel=channel.id))
    bot.settle()

    incident = bot.incident(ref)
    action = incident.actions[0]
    assert (action.title, action.owner, action.due_date, action.status) == (
        "Rotate export keys",
        people.carol,
        due,
        ActionStatus.OPEN,
    )
    gdpr = next(c for c in incident.clocks if c.regime == "gdpr_art33")
    assert gdpr.reference_id == "DPA-2026-77" and gdpr.met
    assert incident.status is Status.CLOSED
    assert _card_header(bot, channel.id) == f"{ref} · SEV1 · closed"
