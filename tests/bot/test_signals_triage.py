"""Signals in Slack: a waiting group is posted once to the triage channel and kept current; Declare, Attach… and
Dismiss… decide it from there; App Home lists the queue for the triage team; the incident card counts the signals.
Nothing a report says about a person (subject, reporter, text) ever reaches the triage channel or App Home."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.ids import ActionId, Field, ViewId
from emulators.slack import SlackEmulator
from emulators.slack.models import Message
from incidents.context import Domain
from incidents.signals.intake import Report, receive
from incidents.signals.models import GroupState, SignalGroup
from tests.bot.conftest import BotUnderTest, People, bot_settings, running_bot

PERSONAL = ("Dana Whitfield", "dana.whitfield@example.com", "+44 7700 900123", "creator-7781")


def report(n: int, source: str = "hotline", **extra: Any) -> Report:
    fields: dict[str, Any] = {
        "source": source,
        "type": "hate_harassment",
        "region": "EMEA",
        "external_ref": f"{source}-{n}",
        "subject": "creator-7781 (Dana Whitfield)",
        "reporter": "dana.whitfield@example.com",
        "text": "Dana Whitfield, +44 7700 900123, is being piled on <!channel>",
    }
    return Report(**(fields | extra))


@pytest.fixture
def triage_bot(emu: SlackEmulator, people: People, live_domain: Domain, db_url: str) -> Iterator[BotUnderTest]:
    """The bot with a triage channel that alice and bob are in (carol is not)."""
    triage = emu.add_channel("trust-triage", members=[people.alice, people.bob])
    settings = bot_settings(emu, db_url, people.announce, triage_channel=triage)
    with running_bot(emu, people, live_domain, settings) as bot:
        yield bot


def send(bot: BotUnderTest, *reports: Report) -> int:
    received = bot.domain.run(lambda ctx: receive(ctx, reports, actor="api:hotline"))
    bot.settle()
    return received[0].group_id


def posts(bot: BotUnderTest) -> list[Message]:
    assert bot.settings.triage_channel is not None
    return [m for m in bot.emu.messages(bot.settings.triage_channel) if m.bot_id]


def the_post(bot: BotUnderTest) -> Message:
    [post] = posts(bot)
    return post


def shown(message: Message) -> str:
    return f"{message.text} {message.blocks}"


def assert_nothing_personal(*texts: str) -> None:
    for text in texts:
        assert not [p for p in PERSONAL if p in text], text


def group_state(bot: BotUnderTest, group_id: int) -> SignalGroup:
    with bot.domain.unit() as ctx:
        group = ctx.session.get(SignalGroup, group_id)
        assert group is not None
        ctx.session.expunge(group)
        return group


def modal(bot: BotUnderTest, callback_id: str) -> str:
    return bot.emu.wait_for(
        lambda: next(
            (v.id for v in bot.emu.views.values() if v.view.get("callback_id") == callback_id and not v.closed), None
        )
    )


def test_a_waiting_group_is_posted_once_and_kept_current(triage_bot: BotUnderTest) -> None:
    bot = triage_bot
    group_id = send(bot, report(1), report(2), report(3, source="in_app"))
    post = the_post(bot)
    assert "Signals waiting for triage" in shown(post)
    assert "3 signals (hotline 2, in_app 1)" in shown(post) and "EMEA" in shown(post)
    assert "Harassment" in shown(post) or "harassment" in shown(post)
    assert {e["action_id"] for b in post.blocks or [] if b["type"] == "actions" for e in b["elements"]} == {
        ActionId.SIGNALS_DECLARE,
        ActionId.SIGNALS_ATTACH,
        ActionId.SIGNALS_DISMISS,
    }

    send(bot, report(4), report(5))
    send(bot, report(6, source="in_app"))
    post = the_post(bot)
    assert "6 signals (hotline 4, in_app 2)" in shown(post)
    assert post.edits, "kept current with chat.update"
    assert group_state(bot, group_id).triage_post == {"channel": post.channel, "ts": post.ts}
    assert_nothing_personal(shown(post), *(f"{e.text} {e.blocks}" for e in post.edits))


def test_a_lost_answer_does_not_post_the_group_twice(triage_bot: BotUnderTest) -> None:
    bot = triage_bot
    bot.emu.lose_answer_next("chat.postMessage", channel=bot.settings.triage_channel)
    group_id = send(bot, report(1), report(2))
    post = the_post(bot)
    assert "2 signals" in shown(post)
    assert bot.emu.calls_to("conversations.history"), "the retry looked for the post it had made"
    assert group_state(bot, group_id).triage_post == {"channel": post.channel, "ts": post.ts}
    send(bot, report(3))
    assert "3 signals" in shown(the_post(bot))


def test_declare_declares_at_once_and_the_post_says_so(triage_bot: BotUnderTest) -> None:
    bot, bob = triage_bot, triage_bot.people.bob
    group_id = send(bot, report(1), report(2, severity_hint="SEV2"))
    ack = bot.emu.block_action(bob, the_post(bot), ActionId.SIGNALS_DECLARE)
    [reply] = bot.wait_for(lambda: bot.emu.replies_to(ack))
    assert reply.response_type == "ephemeral" and not reply.replace_original
    group = group_state(bot, group_id)
    assert group.state is GroupState.ATTACHED and group.incident_id is not None
    bot.settle()
    incident = bot.only_incident()
    assert incident.ref in str(reply.text) and incident.severity.value == "SEV2"
    post = the_post(bot)
    assert f"Declared as *{incident.ref}* by <@{bob}>" in shown(post)
    assert not [b for b in post.blocks or [] if b["type"] == "actions"]
    assert_nothing_personal(shown(post), str(reply.text))


def test_attach_refuses_a_wrong_reference_beside_it_and_takes_a_right_one(triage_bot: BotUnderTest) -> None:
    bot, alice = triage_bot, triage_bot.people.alice
    ref, channel = bot.declare("SEV2 type:hate_harassment Pile-on against a creator")
    group_id = send(bot, report(1), report(2), report(3, source="in_app"))
    bot.emu.block_action(alice, the_post(bot), ActionId.SIGNALS_ATTACH)
    view_id = modal(bot, ViewId.SIGNALS_ATTACH)

    bot.emu.submit_view(view_id, alice, {Field.INCIDENT_REF: {Field.INCIDENT_REF: "INC-1999-0001"}})
    errors = bot.emu.views[view_id].errors or {}
    assert "INC-1999-0001" in errors[Field.INCIDENT_REF]
    assert group_state(bot, group_id).state is GroupState.WAITING

    bot.emu.submit_view(view_id, alice, {Field.INCIDENT_REF: {Field.INCIDENT_REF: ref}})
    assert f"Attached to *{ref}*" in str(bot.emu.views[view_id].view["blocks"])
    bot.settle()
    assert group_state(bot, group_id).state is GroupState.ATTACHED
    assert f"Attached to *{ref}* by <@{alice}>" in shown(the_post(bot))

    assert "*Signals*: 3 (hotline 2, in_app 1)" in _card(bot, channel.id)


def test_dismiss_asks_a_reason_and_shows_it_escaped(triage_bot: BotUnderTest) -> None:
    bot, alice = triage_bot, triage_bot.people.alice
    group_id = send(bot, report(1))
    bot.emu.block_action(alice, the_post(bot), ActionId.SIGNALS_DISMISS)
    view_id = modal(bot, ViewId.SIGNALS_DISMISS)

    bot.emu.submit_view(view_id, alice, {Field.SKIP_REASON: {Field.SKIP_REASON: "  "}})
    assert Field.SKIP_REASON in (bot.emu.views[view_id].errors or {})

    bot.emu.submit_view(view_id, alice, {Field.SKIP_REASON: {Field.SKIP_REASON: "QA test calls <!channel>"}})
    bot.settle()
    assert group_state(bot, group_id).reason == "QA test calls <!channel>"
    post = shown(the_post(bot))
    assert f"Dismissed by <@{alice}>: QA test calls &lt;!channel&gt;" in post and "<!channel>" not in post


def test_app_home_lists_the_queue_to_the_triage_team_only(triage_bot: BotUnderTest) -> None:
    bot, people = triage_bot, triage_bot.people
    send(bot, report(1), report(2))
    send(bot, report(3, type="fraud_scam", region="APAC", group_key="scam-wave"))

    def home_of(user: str) -> str:
        bot.emu.app_home_opened(user)
        home = bot.emu.wait_for(
            lambda: next((v for v in bot.emu.views.values() if v.type == "home" and v.user == user), None)
        )
        return str(home.view["blocks"])

    seen = home_of(people.alice)
    assert "Signals waiting for triage" in seen and "2 signals (hotline 2)" in seen and "APAC" in seen
    assert_nothing_personal(seen)
    assert "Signals waiting for triage" not in home_of(people.carol)


def test_the_card_counts_the_signals_of_its_incident(triage_bot: BotUnderTest) -> None:
    bot, bob = triage_bot, triage_bot.people.bob
    group_id = send(bot, report(1), report(2), report(3, source="in_app"))
    bot.emu.block_action(bob, the_post(bot), ActionId.SIGNALS_DECLARE)
    bot.wait_for(lambda: group_state(bot, group_id).state is GroupState.ATTACHED)
    bot.settle()
    channel = bot.only_incident().slack_channel_id
    assert channel is not None
    card = _card(bot, channel)
    assert "*Signals*: 3 (hotline 2, in_app 1), 3.0/min, last " in card and " UTC" in card
    assert_nothing_personal(card)


def _card(bot: BotUnderTest, channel: str) -> str:
    """The pinned card as it is now (it is edited in place)."""
    pinned = {p.ts for p in bot.emu.pins(channel)}
    return " ".join(str(m.blocks) for m in bot.emu.messages(channel) if m.ts in pinned)
