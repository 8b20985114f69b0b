"""The emulator's console against the real bot, used as its page's forms post (no browser): what the README says
a person can do there. ``/incident help`` reads as the list of commands; a playbook step's Done, in the list only
its asker sees, updates that list in place; resolving with work open shows the form that lists it and resolves with
its "Resolve anyway"; ``/incident review`` opens the review form, whose Save shows the preview with its buttons;
a report waiting in the triage channel is dismissed with its Dismiss… button and the form it opens."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.command_grammar import USAGE
from bot.ids import Field, ViewId
from emulators.slack import SlackEmulator, View
from incidents.context import Domain
from incidents.enums import Status
from incidents.signals.models import GroupState
from tests.bot.conftest import BotUnderTest, People, bot_settings, running_bot
from tests.bot.test_signals_triage import group_state, report, send
from tests.emulators.console_client import ConsoleClient, modal_button, visible_text


@pytest.fixture
def console(bot: BotUnderTest) -> Iterator[ConsoleClient]:
    with httpx.Client(base_url=bot.emu.base_url, follow_redirects=True, timeout=30) as http:
        yield ConsoleClient(http, "alice", "general")


def _open_form(bot: BotUnderTest, callback_id: str) -> View:
    def opened() -> View | None:
        return next(
            (v for v in bot.emu.views.values() if v.view.get("callback_id") == callback_id and not v.closed), None
        )

    found = bot.wait_for(opened)
    assert found is not None
    return found


def test_help_reads_as_the_list_of_commands(bot: BotUnderTest, console: ConsoleClient) -> None:
    _, channel = bot.declare()
    console.channel = channel.name
    shown = visible_text(console.type("/incident help"))
    assert "Only visible to you" in shown
    for usage in USAGE.values():
        assert usage in shown, usage  # `<role>`, `[note]`: as Slack shows them, not as escaped for it
    assert f"You are in {bot.only_incident().ref}'s channel" in shown


def test_a_steps_done_updates_the_list_only_its_asker_sees(bot: BotUnderTest, console: ConsoleClient) -> None:
    _, channel = bot.declare("SEV1 type:threat_violence Threats against a host")
    console.channel = channel.name
    listed = console.type("/incident tasks")
    open_before = listed.count(">Done</button>")
    assert open_before > 1 and "Only visible to you" in listed

    after = console.click("Done", listed)
    assert after.count(">Done</button>") == open_before - 1
    assert "Only visible to you" not in console.page("bob"), "the list is alice's alone"


def test_resolving_with_work_open_asks_and_resolve_anyway_resolves(bot: BotUnderTest, console: ConsoleClient) -> None:
    ref, channel = bot.declare("SEV1 type:threat_violence Threats against a host")
    console.channel = channel.name
    page = console.type("/incident resolve contained")
    form = _open_form(bot, ViewId.RESOLVE)
    shown = visible_text(page)
    assert f"Resolve {ref}" in shown and "still has" in shown and "Resolve anyway" in shown and "Keep it open" in shown

    done = console.submit(form.id, {Field.NOTE: "contained"})
    assert "Incident resolved" in visible_text(done)
    assert bot.incident(ref).status is Status.RESOLVED


def test_the_review_form_saves_into_its_preview_and_edit_goes_back(bot: BotUnderTest, console: ConsoleClient) -> None:
    ref, channel = bot.declare()
    console.channel = channel.name
    page = visible_text(console.type("/incident review"))
    form = _open_form(bot, ViewId.REVIEW)
    assert "Review owner" in page and "Minors involved" in page

    shown = console.submit(form.id, {"executive_summary": "Scammers posed as hosts; 30 guests paid"})
    preview = _open_form(bot, ViewId.REVIEW_PREVIEW)
    assert f"Review · {ref}" in visible_text(shown) and "Scammers posed as hosts; 30 guests paid" in visible_text(shown)

    console.submit(preview.id, {}, do=modal_button(shown, "Edit"))
    again = _open_form(bot, ViewId.REVIEW)
    assert "Scammers posed as hosts; 30 guests paid</textarea>" in console.page() and again.id


def test_a_report_is_dismissed_from_the_triage_channel(
    emu: SlackEmulator, people: People, live_domain: Domain, db_url: str
) -> None:
    triage = emu.add_channel("trust-triage", members=[people.alice, people.bob])
    settings = bot_settings(emu, db_url, people.announce, triage_channel=triage)
    with (
        running_bot(emu, people, live_domain, settings) as bot,
        httpx.Client(base_url=emu.base_url, follow_redirects=True, timeout=30) as http,
    ):
        group_id = send(bot, report(1), report(2))
        console = ConsoleClient(http, "bob", "trust-triage")
        waiting = console.page()
        assert "Signals waiting for triage" in visible_text(waiting) and ">Declare</button>" in waiting

        asked = console.click("Dismiss…", waiting)
        form = _open_form(bot, ViewId.SIGNALS_DISMISS)
        assert "Why do these signals need no incident?" in visible_text(asked)
        done = console.submit(form.id, {Field.SKIP_REASON: "A prank: the creator confirmed"})
        assert "Signals dismissed" in visible_text(done)
        bot.settle()
        assert group_state(bot, group_id).state is GroupState.DISMISSED
        assert "A prank: the creator confirmed" in visible_text(console.page())
