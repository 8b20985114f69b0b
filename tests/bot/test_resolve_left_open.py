"""In Slack, resolving with playbook steps, referrals or clocks still open asks first: a form lists them (with the
note typed), and only its "Resolve anyway" resolves; the timeline says what was left. Nothing open: no form."""

from __future__ import annotations

from bot.ids import Field, ViewId
from emulators.slack import View
from incidents.enums import Status
from incidents.referrals import service as referrals
from tests.bot.conftest import BotUnderTest


def _open_form(bot: BotUnderTest, callback: ViewId) -> View:
    found = bot.wait_for(
        lambda: next(
            (v for v in bot.emu.views.values() if v.view.get("callback_id") == callback and not v.closed), None
        )
    )
    assert found is not None
    return found


def _text(view: View) -> str:
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in view.view["blocks"])


def test_resolve_lists_what_is_open_and_resolves_only_when_confirmed(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare("SEV1 type:threat_violence Threats against a host")
    with bot.domain.unit() as ctx:
        referrals.open_referral(ctx, ref, actor=people.alice, kind="user_dispute", owner=people.bob)

    bot.command("resolve host safe; police informed", channel=channel.id)
    form = _open_form(bot, ViewId.RESOLVE)
    shown = _text(form)
    assert f"*{ref} still has 6 playbook steps, 1 referral and 1 clock open:*" in shown
    assert "• Step #1: " in shown and f"• Referral #1: User dispute: requested, with <@{people.bob}>, due " in shown
    assert form.view["blocks"][-1]["element"]["initial_value"] == "host safe; police informed"
    assert bot.incident(ref).status is Status.DECLARED

    emu.views[form.id].closed = True  # Keep it open: the form goes, nothing changes
    bot.command("status resolved", channel=channel.id)  # the same question, however it is asked
    again = _open_form(bot, ViewId.RESOLVE)
    ack = emu.submit_view(again.id, people.alice, {Field.NOTE: {Field.NOTE: "host safe"}})
    assert ack.problems == [] and "is resolved" in _text(emu.views[again.id])
    bot.settle()
    incident = bot.incident(ref)
    assert incident.status is Status.RESOLVED
    assert (
        incident.timeline[-1].text
        == "Resolved with 6 playbook steps, 1 referral and 1 clock open (was declared): host safe"
    )


def test_nothing_open_resolves_at_once(bot: BotUnderTest) -> None:
    ref, channel = bot.declare("SEV3 Wrong link in the help centre")
    assert "is resolved" in bot.reply(bot.command("resolve fixed", channel=channel.id))
    assert bot.incident(ref).status is Status.RESOLVED
    assert not any(v.view.get("callback_id") == ViewId.RESOLVE for v in bot.emu.views.values())


def test_the_update_form_does_not_resolve_past_open_work(bot: BotUnderTest) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare("SEV1 type:threat_violence Threats against a host")
    bot.command("update", channel=channel.id)
    form = _open_form(bot, ViewId.UPDATE)
    values = {Field.STATUS: {Field.STATUS: "resolved"}, Field.SUMMARY: {Field.SUMMARY: "Host safe"}}
    ack = emu.submit_view(form.id, people.alice, {str(k): {str(a): v for a, v in d.items()} for k, d in values.items()})
    errors = (ack.payload or {}).get("errors", {})
    assert errors.get("status") == (
        f"{ref} still has 6 playbook steps and 1 clock open: post this update without resolving, "
        "then `/incident resolve` lists them and resolves anyway."
    )
    assert bot.incident(ref).status is Status.DECLARED
