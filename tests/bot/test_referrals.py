"""Referrals end to end: opened from Slack with `/incident refer`, decided by a case tool through the intake API
(idempotently), seen on the pinned card, in the channel and in the review; invisible beyond a restricted
incident's members."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.ids import Field, ViewId
from incidents.apikeys import service as apikeys
from incidents.referrals import service as referrals
from incidents.reviews import Audience, Format, load_templates, render_review, review_document
from incidents.scheduling.tick import tick
from incidents.settings import Settings
from tests.bot.conftest import BotUnderTest
from web.api import build_api_router
from web.app import build_web_app
from web.server import WebServer


@pytest.fixture
def api(bot: BotUnderTest) -> Iterator[WebServer]:
    router = build_api_router(bot.domain, Settings(web_base_url="https://vigil.example.org"))
    with WebServer(build_web_app(bot.domain, [router])) as server:
        yield server


def _client(bot: BotUnderTest, api: WebServer, *, all_tiers: bool) -> httpx.Client:
    with bot.domain.unit() as ctx:
        _key, token = apikeys.create_key(
            ctx,
            actor="cli:ops",
            name="cases" if all_tiers else "hotline",
            scopes=[apikeys.READ, apikeys.WRITE],
            all_tiers=all_tiers,
            rate_per_minute=10_000,
        )
    return httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _referral_form(bot: BotUnderTest) -> str:
    return bot.wait_for(
        lambda: next(
            (v.id for v in bot.emu.views.values() if v.view.get("callback_id") == ViewId.REFERRAL and not v.closed),
            None,
        )
    )


def _card(bot: BotUnderTest, channel: str) -> str:
    pin = bot.emu.pins(channel)[0]
    return str(next(m for m in bot.emu.messages(channel) if m.ts == pin.ts).blocks)


def _values(**fields: Any) -> dict[str, dict[str, Any]]:
    return {field: {field: value} for field, value in fields.items()}


def _refer_from_slack(bot: BotUnderTest, channel: str, **fields: Any) -> int:
    bot.command("refer", channel=channel)
    view_id = _referral_form(bot)
    submitted = bot.emu.submit_view(view_id, bot.people.alice, _values(**fields))
    assert submitted.problems == []
    shown = str(bot.emu.views[view_id].view["blocks"])
    assert "Referral *#" in shown, shown
    return int(shown.split("Referral *#")[1].split("*")[0])


def test_a_dispute_opened_in_slack_is_decided_through_the_api(bot: BotUnderTest, api: WebServer) -> None:
    emu, people = bot.emu, bot.people
    ref, channel = bot.declare("SEV3 type:property_damage_dispute Guest damaged a listing")
    number = _refer_from_slack(
        bot,
        channel.id,
        **{
            Field.REFERRAL_KIND: "user_dispute",
            Field.REFERRAL_OWNER: people.bob,
            Field.EXTERNAL_REF: "DSP-4411",
            Field.NOTE: "Host asks for the repair cost",
        },
    )
    bot.settle()
    card = _card(bot, channel.id)
    assert "*Referrals* 1 open of 1" in card
    assert f"#{number} User dispute: Requested, owner <@{people.bob}>, due 2026-" in card
    assert "Host asks" not in card, "free text stays off the card"
    assert any("opened: User dispute" in (m.text or "") for m in emu.messages(channel.id))

    decided = {"status": "decided", "outcome": "Repair cost reimbursed to the host", "external_ref": "DSP-4411"}
    with _client(bot, api, all_tiers=True) as cases:
        first = cases.post(f"/api/v1/referrals/{number}/changes", json=decided, headers={"Idempotency-Key": "d-1"})
        again = cases.post(f"/api/v1/referrals/{number}/changes", json=decided, headers={"Idempotency-Key": "d-1"})
        listed = cases.get(f"/api/v1/incidents/{ref}/referrals").json()["items"]
    assert first.status_code == 201, first.text
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["status"] == "decided" and "outcome" not in first.json()
    assert [(r["id"], r["status"]) for r in listed] == [(number, "decided")]

    bot.settle()
    assert "*Referrals* 0 open of 1" in _card(bot, channel.id)
    with bot.domain.unit() as ctx:
        found = referrals.get_referral(ctx, number)
        assert (found.status.value, found.outcome) == ("decided", "Repair cost reimbursed to the host")
        team = review_document(ctx, ref, actor=people.alice, audience=Audience.TEAM)
        [row] = team.referrals
        assert (row.kind, row.status_label, row.outcome) == (
            "User dispute",
            "Decided",
            "Repair cost reimbursed to the host",
        )
        assert row.to_referral != "—" and row.to_decision != "—"
        review = render_review(
            ctx, ref, actor=people.alice, audience=Audience.TEAM, fmt=Format.MARKDOWN, templates=load_templates()
        )
    assert "## Referrals" in review
    assert f"| #{number} User dispute (DSP-4411): Host asks for the repair cost | Decided |" in review
    assert "Repair cost reimbursed to the host |" in review

    listing = bot.reply(bot.command("referrals", channel=channel.id))
    assert f"#{number} User dispute: Decided, owner <@{people.bob}>" in listing


def test_the_form_refuses_a_past_due_date_beside_the_field(bot: BotUnderTest) -> None:
    _, channel = bot.declare()
    bot.command("refer", channel=channel.id)
    view_id = _referral_form(bot)
    values = _values(**{Field.REFERRAL_KIND: "support", Field.DUE_DATE: "2020-01-01"})
    bot.emu.submit_view(view_id, bot.people.alice, values)
    assert "in the past" in bot.emu.views[view_id].errors[Field.DUE_DATE]


def test_a_restricted_incidents_referral_is_invisible_beyond_its_members(bot: BotUnderTest, api: WebServer) -> None:
    ref, channel = bot.declare("SEV1 type:suicide_self_harm tier:restricted Self-harm livestream")
    number = _refer_from_slack(
        bot, channel.id, **{Field.REFERRAL_KIND: "wellbeing_services", Field.NOTE: "Helpline warm hand-over"}
    )
    decided = {"status": "declined", "reason": "Person declined contact"}
    with _client(bot, api, all_tiers=False) as hotline:
        missing = hotline.post("/api/v1/referrals/999999/changes", json=decided)
        hidden = hotline.post(f"/api/v1/referrals/{number}/changes", json=decided)
        listed = hotline.get(f"/api/v1/incidents/{ref}/referrals")
    assert hidden.status_code == missing.status_code == 404
    assert str(hidden.json()).replace(str(number), "N") == str(missing.json()).replace("999999", "N")
    assert listed.status_code == 404
    with bot.domain.unit() as ctx:
        assert referrals.get_referral(ctx, number).status.value == "requested"
        leadership = review_document(ctx, ref, actor="U0BOSS", audience=Audience.LEADERSHIP)
        [row] = leadership.referrals
        assert (row.kind, row.status_label, row.outcome, row.external_ref) == (
            "External wellbeing services",
            "Requested",
            None,
            None,
        )


def test_an_overdue_referral_is_nudged_once_and_slack_moves_it_along(bot: BotUnderTest) -> None:
    emu, bob = bot.emu, bot.people.bob
    ref, channel = bot.declare()
    number = _refer_from_slack(bot, channel.id, **{Field.REFERRAL_KIND: "support", Field.REFERRAL_OWNER: bob})
    with bot.domain.unit() as ctx:
        due = ctx.now().date() - timedelta(days=1)
        referrals.get_referral(ctx, number).due_date = due  # as if its days had passed
    for _ in range(2):
        tick(bot.domain, bot.settings.scheduling)
    bot.settle()

    def nudges() -> list[str]:
        return [m.text or "" for m in emu.messages(channel.id) if "referral *#" in (m.text or "")]

    said = f":rotating_light: <@{bob}> referral *#{number}* (Support) was due {due} and is still requested."
    assert nudges() == [said]

    def say(text: str, where: str = channel.id) -> str:
        return bot.reply(bot.command(text, channel=where))

    assert say(f"referral {number} accepted") == f"Referral #{number} (Support) of {ref}: requested → accepted."
    bot.settle()
    assert f"#{number} Support: Accepted, owner <@{bob}>, due {due} — :warning: *overdue*" in _card(bot, channel.id)
    refused = say(f"referral {number} decided")
    assert refused.startswith(
        "Say what was decided, in quotes after `decided`. Usage: `/incident referral &lt;number&gt;"
    )
    assert "\n" not in refused
    assert say(f"referral {number} closed").endswith("it can move to in_progress or decided or declined, not closed.")
    decided = say(f"referral #{number} decided \u201cAccount restored, the user was told\u201d")
    assert decided == f"Referral #{number} (Support) of {ref}: accepted → decided."
    with bot.domain.unit() as ctx:
        assert referrals.get_referral(ctx, number).outcome == "Account restored, the user was told"
    tick(bot.domain, bot.settings.scheduling)
    bot.settle()
    assert len(nudges()) == 1, "a decided referral is not nudged"
    assert "*Referrals* 0 open of 1" in _card(bot, channel.id)

    other, elsewhere = bot.declare("SEV3 Another incident")
    assert say(f"referral {number} closed", elsewhere.id) == f"No referral #{number} on {other}."
