"""Paging as people in Slack see it: the real bot (Socket Mode, the Slack emulator) with PagerDuty's emulator.

A SEV1 declared in Slack pages the default service; whoever PagerDuty says is on call is named in the channel and
invited to it (matched by e-mail); the card shows the page; ``/incident page`` pages once per service, and
``/incident page @person`` once per person, through PagerDuty's REST API (matched by e-mail, opened as whoever
asked)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from emulators.pagerduty import PagerDutyEmulator
from emulators.pagerduty.testing import running
from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.paging.models import Page
from incidents.paging.wiring import build_pager
from incidents.policy.paging import PagingService
from incidents.timesource import SystemTime
from tests.bot.conftest import BotUnderTest, People, bot_settings, start_runtime
from tests.paging.conftest import escalating_policy


@dataclass
class Scene:
    bot: BotUnderTest
    pd: PagerDutyEmulator
    sam: str
    bob: str


@pytest.fixture
def scene(domain: Domain, db_url: str) -> Iterator[Scene]:
    with staged(domain, db_url, api_token=True) as built:
        yield built


@contextmanager
def staged(domain: Domain, db_url: str, *, api_token: bool) -> Iterator[Scene]:
    """The bot and PagerDuty: Sam on call for ``default`` (whose PagerDuty id the pack gives), Alice a PagerDuty
    user too, Bob in Slack only; with ``api_token``, Vigil has PagerDuty's REST API token."""
    with SlackEmulator() as slack, running() as pd:
        on_call = pd.add_escalation_policy("Trust & Safety")
        pd.set_on_call(on_call, [pd.add_user("Sam Lee", "sam.lee@example.org")])
        pd.add_user("Alice Moreau", "alice@example.org")
        default = pd.add_service("Trust & Safety on-call", escalation_policy=on_call)
        leads = pd.add_service("T&S leads")
        alice = slack.add_user("alice", "Alice Moreau", "alice@example.org")
        sam = slack.add_user("sam", "Sam Lee", "Sam.Lee@example.org")
        bob = slack.add_user("bob", "Bob Stone", "bob@example.org")
        announce = slack.add_channel("incidents", members=[alice, sam])
        settings = bot_settings(
            slack,
            db_url,
            announce,
            pagerduty_events_url=f"{pd.url}/v2/enqueue",
            pagerduty_routing_key=default.integration_key,
            pagerduty_routing_keys={"leads": leads.integration_key},
            pagerduty_api_url=pd.url,
            pagerduty_api_token=pd.api_token if api_token else None,
        )
        paging = escalating_policy(domain)
        services: dict[str, PagingService] = dict(paging.services)
        services["default"] = services["default"].model_copy(update={"pagerduty_service_id": default.id})
        policy = domain.policy.model_copy(update={"paging": paging.model_copy(update={"services": services})})
        live = Domain(domain.engine, domain.factory, policy, SystemTime(), paging=frozenset({"default", "leads"}))
        runtime = start_runtime(settings, live, pager=build_pager(live, settings, verify=pd.ssl_context()))
        runtime.socket_mode().connect()
        slack.wait_for(lambda: slack.socket_connections > 0)
        try:
            yield Scene(
                BotUnderTest(slack, live, settings, runtime, People(alice, sam, sam, announce, announce)), pd, sam, bob
            )
        finally:
            runtime.stop()


def test_a_sev1_declared_in_slack_pages_and_brings_in_whoever_is_on_call(scene: Scene) -> None:
    bot, pd, slack = scene.bot, scene.pd, scene.bot.emu
    ref = bot.reply(bot.command("declare SEV1 type:fraud_scam Scam wave targeting hosts")).split("*")[1]
    [incident] = bot.wait_for(lambda: pd.incidents)
    assert incident.dedup_key == f"{ref}/default"
    channel = bot.wait_for(lambda: bot.incident(ref).slack_channel_id)
    assert channel is not None
    bot.wait_for(lambda: scene.sam in slack.channels[channel].members)
    posts = bot.wait_for(lambda: [m.text for m in slack.messages(channel) if "On call for" in (m.text or "")])
    assert posts == ["page: On call for Trust &amp; Safety on-call: Sam Lee"]

    card = bot.wait_for(lambda: _card_mentioning(slack, channel, "On call: Sam Lee"))
    assert card is not None and "Trust &amp; Safety on-call: sent" in card

    reply = bot.reply(bot.command("page", channel=channel))
    assert reply == f"Trust &amp; Safety on-call was already paged for {ref} (sent); nothing sent again."
    reply = bot.reply(bot.command("page T&S leads", channel=channel))
    assert reply == f"Paging T&amp;S leads for {ref}. The channel hears when someone acknowledges."
    bot.wait_for(lambda: len(pd.incidents) == 2)
    assert pd.incidents[1].dedup_key == f"{ref}/leads"
    with bot.domain.unit() as ctx:
        assert ctx.session.query(Page).count() == 2
    assert "Unknown paging service 'legal'" in bot.reply(bot.command("page legal", channel=channel))


def test_paging_a_person_from_slack_wakes_them_through_pagerduty(scene: Scene) -> None:
    bot, pd, slack = scene.bot, scene.pd, scene.bot.emu
    ref, room = bot.declare("SEV2 type:fraud_scam Scam wave targeting hosts")
    channel = room.id
    reply = bot.reply(bot.command(f"page <@{scene.sam}|sam>", channel=channel))
    assert reply == f"Paging Sam Lee for {ref}. The channel hears when someone acknowledges."
    [incident] = bot.wait_for(lambda: [i for i in pd.incidents if i.status == "triggered"])
    assert [u.name for u in incident.assignees] == ["Sam Lee"] and incident.dedup_key.startswith(f"{ref}/@")
    assert incident.created_by is not None and incident.created_by.name == "Alice Moreau", "opened as who asked"
    bot.wait_for(lambda: [m for m in slack.messages(channel) if m.text == "page: Paging Sam Lee: paged from Slack."])
    card = bot.wait_for(lambda: _card_mentioning(slack, channel, "Sam Lee: sent"))
    assert card is not None and "On call:" not in card
    again = bot.reply(bot.command(f"page <@{scene.sam}>", channel=channel))
    assert again == f"Sam Lee was already paged for {ref} (sent); nothing sent again."
    assert len(pd.incidents) == 1

    assert bot.reply(bot.command(f"page <@{scene.bob}>", channel=channel)).startswith("Paging Bob Stone")
    told = "page: Bob Stone has no PagerDuty account (no PagerDuty user has their e-mail address), so nobody was"
    bot.wait_for(lambda: [m for m in slack.messages(channel) if (m.text or "").startswith(told)])
    assert len(pd.incidents) == 1
    both = bot.reply(bot.command(f"page <@{scene.sam}> T&S leads", channel=channel))
    assert both == "Page one person, or one service, not both. Usage: `/incident page [&lt;service&gt; | @person]`"


def test_paging_a_person_without_an_api_token_says_what_to_set(domain: Domain, db_url: str) -> None:
    with staged(domain, db_url, api_token=False) as scene:
        bot = scene.bot
        _, channel = bot.declare("SEV3 type:fraud_scam Scam wave targeting hosts")
        reply = bot.reply(bot.command(f"page <@{scene.sam}>", channel=channel.id))
        assert reply == (
            "Paging a person needs VIGIL_PAGERDUTY_API_TOKEN (PagerDuty's REST API); until it is set, page their "
            "service."
        )
        with bot.domain.unit() as ctx:
            assert ctx.session.query(Page).count() == 0


def _card_mentioning(slack: SlackEmulator, channel: str, text: str) -> str | None:
    pins = slack.pins(channel)
    if not pins:
        return None
    card = next((m for m in slack.messages(channel) if m.ts == pins[0].ts), None)
    shown = json.dumps(card.blocks) if card is not None and card.blocks else ""
    return shown if text in shown else None
