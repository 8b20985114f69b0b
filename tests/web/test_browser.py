"""The web view in real headless Chromium (Debian's ``/usr/bin/chromium`` driven by Playwright; no browser
download): sign in with Slack, filter, open an incident, read its review, download a CSV; a non-member gets a
404 on a restricted incident's URL; the leadership group reads the redacted review; an incident run from the
terminal alone reads on its own (names, region, a chart over its real length with labels measured apart).
Screenshots of each page go to ``artifacts/screenshots/``. One browser for the module; one database backend (the
pages are the same on both, and the non-browser tests cover both)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.enums import Severity
from incidents.reviews.chart import ChartInput, severity_chart
from incidents.timesource import ManualTime, SystemTime
from tests.web.scenario import SENSITIVE, World
from vigil.cli import main
from web.server import WebServer

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.slow

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


Box = tuple[str, float, float, float, float]
"""A label as Chromium lays it out: (text, left, top, right, bottom) in page pixels."""


def label_boxes(chart: object) -> list[Box]:
    """Every text of an SVG chart with its box."""
    boxes: list[Box] = chart.locator("text").evaluate_all(  # type: ignore[attr-defined]
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.left, r.top, r.right, r.bottom]; })"
    )
    return boxes


def overlapping(boxes: list[Box]) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes intersect (by more than half a pixel, for anti-aliasing)."""
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5 and a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5
    ]


def test_a_terminal_only_incident_reads_on_its_own_on_the_web_and_in_its_review(  # type: ignore[no-untyped-def]
    open_as,
    emu: SlackEmulator,
    domain: Domain,
    time_source: ManualTime,
    db_url: str,
    monkeypatch,
    capsys,
    tmp_path: Path,
) -> None:
    """Declared, staffed, noted, downgraded, mitigated and resolved with ``vigil`` alone over 19 seconds (the
    terminal's clock is the test's), with the summary written from a file: the page and the review name people,
    show the region, draw the chart over those 19 seconds with labels clear of each other, and promise no update."""
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setattr(SystemTime, "now", lambda _self: time_source.now())
    maya = emu.add_user("maya", "Maya Lindqvist", "maya.lindqvist@example.com")
    omar = emu.add_user("omar", "Omar Haddad", "omar.haddad@example.com")
    summary = tmp_path / "summary.md"
    summary.write_text("The host was moved to safety within minutes.\n\nPolice were informed.\n", encoding="utf-8")

    def vigil(*argv: str, after: int = 3) -> str:
        time_source.advance(timedelta(seconds=after))
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    declared = vigil("--as", maya, "declare", "Credible threat against a host", "--type", "threat_violence",
                     "--severity", "SEV1", "--region", "EMEA", "--jurisdiction", "EU", after=0)  # fmt: skip
    ref = re.search(r"INC-\d{4}-\d{4}", declared).group()  # type: ignore[union-attr]
    start = time_source.now()
    vigil("people", "name", omar, "Omar Haddad", after=0)
    vigil("--as", maya, "ack", ref)
    vigil("--as", maya, "role", ref, "scribe", omar)
    vigil("--as", omar, "note", ref, "Host reached by phone; safe for now")
    vigil("--as", maya, "severity", ref, "SEV2", "--reason", "Host is safe")
    vigil("--as", maya, "update", ref, "Host moved to safety; police informed", "--status", "mitigated")
    vigil("--as", maya, "resolve", ref, "--yes", after=4)  # its playbook steps stay open
    vigil("--as", maya, "review", "edit", ref, "--field", "executive_summary", "--from-file", str(summary), after=0)
    assert time_source.now() - start == timedelta(seconds=19)

    page = open_as(maya)
    page.goto(page.url.replace("/incidents", f"/incidents/{ref}"))
    page.screenshot(path=SHOTS / "09-terminal-incident.png", full_page=True)
    facts = page.locator("dl.facts").inner_text()
    assert "Maya Lindqvist" in facts and "EMEA" in facts
    assert "Omar Haddad" in page.locator("section.panel", has_text="Roles").inner_text()
    text = page.locator("body").inner_text()
    assert maya not in text and omar not in text
    assert "Next update due" not in text

    page.get_by_role("link", name="Read the review").click()
    page.wait_for_url("**/review")
    page.screenshot(path=SHOTS / "10-terminal-review.png", full_page=True)
    review = page.locator("body").inner_text()
    assert "Maya Lindqvist" in review and "Omar Haddad" in review
    assert maya not in review and omar not in review
    assert "The host was moved to safety within minutes." in review
    assert page.locator("dt", has_text="Regions").locator("xpath=following-sibling::dd[1]").inner_text() == "EMEA"
    assert "Next update due" not in review

    chart = page.locator("svg.chart")
    chart.screenshot(path=SHOTS / "11-terminal-review-chart.png")
    boxes = label_boxes(chart)
    assert not overlapping(boxes)
    ticks = [text for text, *_ in boxes if re.fullmatch(r"(\d\d \w{3} )?\d\d:\d\d:\d\d", text)]
    assert len(ticks) >= 4  # seconds on the axis: it spans the 19 seconds, not half an hour
    assert all(f"{start:%H:%M:%S}" <= tick[-8:] <= f"{time_source.now():%H:%M:%S}" for tick in ticks)
    assert {"investigating", "mitigated", "resolved"} <= {text for text, *_ in boxes}


SPANS = [timedelta(0), timedelta(seconds=19), timedelta(minutes=7), timedelta(hours=3), timedelta(hours=26),
         timedelta(days=9), timedelta(days=45), timedelta(days=400)]  # fmt: skip


def test_the_review_chart_labels_never_overlap_whatever_the_span(browser) -> None:  # type: ignore[no-untyped-def]
    """Incidents from an instant to over a year, each with a burst of status changes at its start and at its
    end (a reopened incident resolved again): every label on every chart is clear of every other, as Chromium
    lays them out, and the axis covers the incident rather than a fixed half hour."""
    start = datetime(2026, 11, 23, 23, 59, 50, tzinfo=UTC)
    charts = []
    for span in SPANS:
        end = start + span
        burst = ["investigating", "mitigated", "resolved", "investigating", "mitigated", "resolved", "closed"]
        changes = [(start + span * 0.01, "investigating")] + [
            (end - timedelta(seconds=len(burst) - n), status) for n, status in enumerate(burst)
        ]
        charts.append(
            severity_chart(
                ChartInput(start, end, [(start, Severity.SEV1), (start + span / 2, Severity.SEV3)], changes, [end])
            )
        )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content("".join(f"<div style='width:960px'>{c}</div>" for c in charts))
    page.screenshot(path=SHOTS / "12-chart-spans.png", full_page=True)
    for span, chart in zip(SPANS, page.locator("svg.chart").all(), strict=True):
        boxes = label_boxes(chart)
        assert not overlapping(boxes), (span, overlapping(boxes))
        frame = chart.bounding_box()
        assert all(frame["x"] <= left and right <= frame["x"] + frame["width"] for _, left, _, right, _ in boxes)
        ticks = chart.locator("text[y='220']").all_text_contents()
        assert 3 <= len(ticks) <= 16, (span, ticks)
    page.close()
