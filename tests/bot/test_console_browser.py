"""The emulator's console in real headless Chromium (Debian's ``/usr/bin/chromium`` driven by Playwright), against
the real bot: a person declares with a typed command and sees the announcement with names and the title as typed
(markup in it inert), declares through the form (its severity questions answered, the bot's suggestion shown, a
refusal beside its field first), posts a status update through
the update form, hands command to someone who accepts it from their direct message, and reads the outcome in the
incident's channel. Screenshots of the forms go to ``artifacts/screenshots/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from incidents.models import Incident
from tests.bot.conftest import BotUnderTest
from tests.web.test_browser import ARGS, CHROMIUM, SHOTS

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.slow

TIMEOUT_MS = 15_000
PLANTED = 'Scam wave <script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


@pytest.fixture
def page(bot: BotUnderTest, db_url: str) -> Iterator[Any]:
    """A browser page on the console as alice, in #general; fails the test if anything opens a dialog."""
    if not db_url.startswith("sqlite"):
        pytest.skip("browser tests run on one backend")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (./dev test installs Debian's chromium package)")
    dialogs: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        opened = browser.new_page(viewport={"width": 1280, "height": 900})
        opened.set_default_timeout(TIMEOUT_MS)

        def refuse(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        opened.on("dialog", refuse)
        opened.goto(f"{bot.emu.base_url}console?user=alice&channel=general")
        SHOTS.mkdir(parents=True, exist_ok=True)
        yield opened
        browser.close()
    assert not dialogs, f"something in the page opened a dialog: {dialogs}"


def send(page: Any, channel: str, text: str) -> None:
    """Type a command in a channel, as a person does in the console's box."""
    page.select_option("header select[name=channel]", channel)
    page.get_by_label("Command").fill(text)
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()


def channel(page: Any, title: str) -> Any:
    return page.locator("section.channel", has=page.locator("h2", has_text=title))


def test_a_person_declares_fills_the_forms_and_hands_off_command_in_the_browser(bot: BotUnderTest, page: Any) -> None:
    expect = playwright_api.expect

    send(page, "general", f"/incident declare SEV2 type:fraud_scam {PLANTED}")
    typed = bot.only_incident()
    expect(channel(page, "#general")).to_contain_text(f"Declared {typed.ref}")
    announced = channel(page, "#incidents")
    expect(announced).to_contain_text(PLANTED)  # shown as typed: Slack's escaping undone, nothing run
    first_room = bot.emu.channels[bot.incident(typed.ref).slack_channel_id or ""].name
    expect(announced).to_contain_text(f"join #{first_room}")  # a channel link, by name
    expect(channel(page, f"#{first_room}")).to_contain_text("@alice")  # a mention, by name
    assert "<@U" not in page.locator("#feed").inner_text() and "&lt;" not in page.locator("#feed").inner_text()
    assert page.locator("#feed script, #feed img").count() == 0
    assert page.evaluate("window.pwned") is None

    send(page, "general", "/incident")
    form = page.locator("form.modal")
    expect(form).to_contain_text("Declare an incident")
    form.get_by_label("Title").fill("   ")
    form.get_by_label("Types").select_option(label="Account takeover")
    form.get_by_label("How bad is the harm?").select_option("limited")  # each answer goes to the bot at once
    form.get_by_label("How soon?").select_option("days")
    expect(form).to_contain_text("Suggested: SEV3")  # the bot updated the form; what was entered stays
    assert form.get_by_label("Types").evaluate("select => [...select.selectedOptions].map(o => o.value)") == [
        "account_takeover"
    ]
    form.get_by_label("Severity", exact=True).select_option("SEV3")
    form.get_by_role("button", name="Declare").click()
    expect(form.locator(".block.input", has_text="Title").locator(".error")).to_be_visible()  # the app's refusal
    form.get_by_label("Title").fill("Takeover of host accounts")
    form.screenshot(path=SHOTS / "console-declare-form.png")
    form.get_by_role("button", name="Declare").click()
    expect(form).to_contain_text("Incident declared")
    form.get_by_role("button", name="Close").click()
    expect(page.locator("form.modal")).to_have_count(0)
    bot.settle()
    ref, severity, types, channel_id = _declared(bot, "Takeover of host accounts")
    assert severity == "SEV3" and types == ["account_takeover"]
    room = bot.emu.channels[channel_id].name

    page.reload()
    send(page, room, "/incident update")
    expect(form).to_contain_text(f"Update {ref}")
    form.get_by_label("Status").select_option("mitigated")
    form.get_by_label("Summary").fill("Locked the 40 accounts; resets sent")
    form.get_by_label("Next steps").fill("Watch for new logins from the same ranges")
    form.screenshot(path=SHOTS / "console-update-form.png")
    form.get_by_role("button", name="Post update").click()
    expect(page.locator("form.modal")).to_have_count(0)
    incident_room = channel(page, f"#{room}")
    expect(incident_room).to_contain_text("Status update")
    expect(incident_room).to_contain_text("Locked the 40 accounts; resets sent")

    send(page, room, "/incident handoff @bob")
    page.select_option("header select[name=user]", "bob")
    page.wait_for_url("**user=bob**")
    offer = channel(page, "bob · direct messages with the app")
    expect(offer).to_contain_text(f"@alice asks you to take command of {ref}")
    offer.get_by_role("button", name="Accept command").click()
    expect(offer).not_to_contain_text("Accept command")
    expect(channel(page, f"#{room}")).to_contain_text("@bob accepted command from @alice")
    assert bot.incident(ref).commander == bot.people.bob
    page.screenshot(path=SHOTS / "console-after-handoff.png", full_page=True)


def _declared(bot: BotUnderTest, title: str) -> tuple[str, str, list[str], str]:
    """The reference, severity, types and channel of the incident with this title."""
    with bot.domain.unit() as ctx:
        incident = ctx.session.scalars(select(Incident).where(Incident.title == title)).one()
        return incident.ref, incident.severity.value, incident.type_names, incident.slack_channel_id or ""
