"""Playbook steps in Slack: a child safety incident gets its playbook, `/incident tasks` lists the steps with Done
and Skip buttons, skipping asks why, and the pinned card shows the progress."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.ids import ActionId, Field, ViewId
from emulators.slack.models import Message
from incidents.scheduling.tick import tick
from incidents.tasks.models import TaskStatus
from incidents.tasks.service import list_tasks
from tests.bot.conftest import BotUnderTest


def _shown_as_message(bot: BotUnderTest, channel: str, blocks: list[dict[str, Any]]) -> Message:
    """The emulator keeps no ephemeral messages to click, so the list the person got is posted as a message;
    a click's response_url then points at it, as Slack's would at the ephemeral."""
    posted = bot.runtime.client.chat_postMessage(channel=channel, text="tasks", blocks=blocks)
    return next(m for m in bot.emu.messages(channel) if m.ts == posted["ts"])


def _card_text(bot: BotUnderTest, channel: str) -> str:
    return " ".join(str(m.blocks) for m in bot.emu.messages(channel) if "Playbook" in str(m.blocks))


def test_steps_are_listed_done_and_skipped_with_buttons(bot: BotUnderTest) -> None:
    emu, alice = bot.emu, bot.people.alice
    ref, channel = bot.declare("SEV1 type:child_safety Apparent exploitation reported in messages")
    with bot.domain.unit() as ctx:
        steps = [(t.id, t.text) for t in list_tasks(ctx, ref)[1]]
    total = len(steps)
    assert f"0/{total} steps" in _card_text(bot, channel.id)

    asked = bot.command("tasks", channel=channel.id)
    listing = bot.wait_for(lambda: emu.replies_to(asked))[0]
    assert listing.response_type == "ephemeral"
    assert f"{ref}: 0/{total} steps" in str(listing.blocks)
    assert all(text.replace("&", "&amp;") in str(listing.blocks) for _id, text in steps)

    shown = _shown_as_message(bot, channel.id, listing.blocks or [])
    emu.block_action(alice, shown, ActionId.TASK_DONE, block_id=f"task-{steps[0][0]}")
    refreshed = lambda: next(m for m in emu.messages(channel.id) if m.ts == shown.ts).blocks  # noqa: E731
    bot.wait_for(lambda: f"1/{total} steps" in str(refreshed()))

    emu.block_action(alice, shown, ActionId.TASK_SKIP, block_id=f"task-{steps[-1][0]}")
    view_id = bot.wait_for(
        lambda: next((v.id for v in emu.views.values() if v.view.get("callback_id") == ViewId.TASK_SKIP), None)
    )
    emu.submit_view(view_id, alice, {Field.SKIP_REASON: {Field.SKIP_REASON: " "}})
    assert "A reason to skip the step is required" in emu.views[view_id].errors[Field.SKIP_REASON]
    emu.submit_view(view_id, alice, {Field.SKIP_REASON: {Field.SKIP_REASON: "No one viewed the material"}})
    assert "Skipped on" in str(emu.views[view_id].view["blocks"])

    with bot.domain.unit() as ctx:
        tasks = {t.id: t for t in list_tasks(ctx, ref)[1]}
        assert (tasks[steps[0][0]].status, tasks[steps[0][0]].finished_by) == (TaskStatus.DONE, alice)
        assert tasks[steps[-1][0]].skip_reason == "No one viewed the material"
    texts = [e.text for e in bot.incident(ref).timeline]
    assert f"Step done: {steps[0][1]}" in texts
    assert f"Step skipped: {steps[-1][1]}. Reason: No one viewed the material" in texts
    bot.settle()
    assert f"2/{total} steps" in _card_text(bot, channel.id)
    assert "/incident tasks" in str(bot.command("help", channel=channel.id).payload)


def test_a_late_step_nudges_its_owner_role_in_the_channel_once(bot: BotUnderTest) -> None:
    ref, channel = bot.declare("SEV1 type:platform_outage Reporting flow down")
    with bot.domain.unit() as ctx:
        first = list_tasks(ctx, ref)[1][0]
        first.due_at = ctx.now() - timedelta(minutes=5)  # as if the step's quarter of an hour had passed
        text = first.text
    tick(bot.domain, bot.settings.scheduling)
    tick(bot.domain, bot.settings.scheduling)
    bot.settle()
    nudges = [m.text for m in bot.emu.messages(channel.id) if "playbook step" in (m.text or "")]
    assert len(nudges) == 1
    assert f":rotating_light: <@{bot.people.alice}> the playbook step *{text}* was due " in nudges[0]
    assert nudges[0].endswith("and is not done.")
