"""The declare modal's severity guidance: two answers show a suggestion in the modal, the declarer still picks the
severity, and the timeline records both."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import Field
from incidents.enums import TimelineKind
from incidents.models import TimelineEntry
from tests.bot.conftest import BotUnderTest
from tests.bot.test_declare import _declare_modal, _values


def _context_text(view: dict) -> str:
    [block] = [b for b in view["blocks"] if b.get("block_id") == Field.SEVERITY_SUGGESTION]
    return block["elements"][0]["text"]


def test_two_answers_suggest_a_severity_and_the_declarer_still_chooses(bot: BotUnderTest) -> None:
    emu, alice = bot.emu, bot.people.alice
    bot.command("")
    view_id = _declare_modal(bot, alice)
    assert "Answer these two" in _context_text(emu.views[view_id].view)

    assert not emu.block_action(alice, view_id, Field.HARM, "life").timed_out
    assert "Answer these two" in _context_text(emu.views[view_id].view)  # one answer suggests nothing yet
    emu.block_action(alice, view_id, Field.IMMINENCE, "now")
    bot.wait_for(lambda: "Suggested" in _context_text(emu.views[view_id].view) or None)
    assert "Suggested: *SEV1* · Critical" in _context_text(emu.views[view_id].view)

    ack = emu.submit_view(view_id, alice, _values("Credible threat against a host", ["threat_violence"], "SEV2"))
    assert ack.problems == []
    incident = bot.incident("INC-2026-0001")
    assert incident.severity.value == "SEV2"  # the suggestion is never imposed
    with bot.domain.unit() as ctx:
        declared = ctx.session.scalars(select(TimelineEntry).where(TimelineEntry.kind == TimelineKind.DECLARED)).one()
    assert declared.data["severity_guidance"] == {"harm": "life", "imminence": "now", "suggested": "SEV1"}
    assert declared.text.endswith("the severity guidance suggested SEV1 (life, now)")


def test_a_declare_without_the_questions_records_no_suggestion(bot: BotUnderTest) -> None:
    bot.command("")
    view_id = _declare_modal(bot, bot.people.alice)
    bot.emu.submit_view(view_id, bot.people.alice, _values("Scam wave targeting hosts", ["fraud_scam"], "SEV3"))
    with bot.domain.unit() as ctx:
        declared = ctx.session.scalars(select(TimelineEntry).where(TimelineEntry.kind == TimelineKind.DECLARED)).one()
    assert "severity_guidance" not in declared.data
