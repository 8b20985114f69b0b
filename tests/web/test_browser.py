"""The web view in real headless Chromium (Debian's ``/usr/bin/chromium`` driven by Playwright; no browser
download): sign in with Slack, filter, open an incident, read its review, download a CSV; a non-member gets a
404 on a restricted incident's URL; the leadership group reads the redacted review. Screenshots of each page go
to ``artifacts/screenshots/``. One browser for the module; one database backend (the pages are the same on
both, and the non-browser tests cover both)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulators.slack import SlackEmulator
from tests.web.scenario import SENSITIVE, World
from web.server import WebServer

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def _one_backend(db_url: str) -> None:
    """Skipped before any data is built: the pages are the same on both backends."""
    if not db_url.startswith("sqlite"):
        pytest.skip("browser tests run on one backend")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (./dev test installs Debian's chromium package)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def open_as(browser: object, server: WebServer, emu: SlackEmulator) -> Iterator[object]:
    """``open_as(user_id)`` → a signed-in page in its own browser context (its own cookies)."""
    contexts = []

    def _open(user_id: str, shot: str | None = None) -> object:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server.url}/web/incidents")
        assert page.url.endswith("/web/signin")
        if shot:
            page.screenshot(path=SHOTS / shot, full_page=True)
        emu.oidc_login_as(user_id)
        page.get_by_role("link", name="Sign in with Slack").click()
        page.wait_for_url("**/web/incidents")
        return page

    SHOTS.mkdir(parents=True, exist_ok=True)
    yield _open
    for context in contexts:
        context.close()


def test_a_member_signs_in_filters_reads_and_downloads(open_as, world: World) -> None:  # type: ignore[no-untyped-def]
    page = open_as(world.alice, shot="01-sign-in.png")
    assert page.get_by_role("link", name=world.restricted).is_visible()
    page.screenshot(path=SHOTS / "02-incidents.png", full_page=True)

    page.select_option("select[name=severity]", "SEV2")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**severity=SEV2**")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1 and world.standard in rows.first.inner_text()
    page.screenshot(path=SHOTS / "03-incidents-filtered.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [r["ref"] for r in exported] == [world.standard]

    page.get_by_role("link", name="Clear").click()
    page.get_by_role("link", name=world.restricted).click()
    page.wait_for_url(f"**/incidents/{world.restricted}")
    assert page.get_by_text("Content warning: sensitive entry").is_visible()
    assert not page.get_by_text(SENSITIVE).is_visible()  # behind the warning until opened
    page.screenshot(path=SHOTS / "04-incident.png", full_page=True)

    page.get_by_role("link", name="Read the review").click()
    page.wait_for_url("**/review")
    assert page.get_by_text("Team version").first.is_visible()
    page.screenshot(path=SHOTS / "05-review-team.png", full_page=True)

    page.goto(page.url.split("/web/")[0] + "/web/trends")
    assert page.locator("svg.chart").count() == 8
    page.screenshot(path=SHOTS / "06-trends.png", full_page=True)


def test_a_non_member_gets_404_and_leadership_reads_the_redacted_review(open_as, world: World) -> None:  # type: ignore[no-untyped-def]
    outsider = open_as(world.bob)
    response = outsider.goto(outsider.url.replace("/incidents", f"/incidents/{world.restricted}"))
    assert response is not None and response.status == 404
    assert "Live stream" not in outsider.content()
    outsider.screenshot(path=SHOTS / "07-not-found.png", full_page=True)

    leader = open_as(world.lena)
    leader.goto(leader.url.replace("/incidents", f"/incidents/{world.restricted}/review"))
    text = leader.content()
    assert "Leadership version" in text and "Alice" not in text and SENSITIVE not in text
    leader.screenshot(path=SHOTS / "08-review-leadership.png", full_page=True)
