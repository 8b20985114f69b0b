"""One fact, one answer everywhere: a clock's state and the next update due read the same on the web page, the
Slack card, ``vigil show``, the intake API and the review, because each asks the domain's one function."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest

from bot.blocks.card import card
from emulators.slack import SlackEmulator
from incidents import lifecycle, timeline
from incidents.apikeys import service as apikeys
from incidents.clocks.standing import ClockState
from incidents.context import Domain
from incidents.enums import Severity
from incidents.queries import incident_to_show
from incidents.reviews import Audience, Format, ReviewTemplates, render_review
from incidents.scheduling.plan import next_update_due
from incidents.settings import Settings
from incidents.timesource import ManualTime, SystemTime
from tests.test_clocks import EDGES, clocks_on_the_edges
from tests.web.conftest import SignIn
from vigil.cli import main
from web.api import build_api_router
from web.app import build_web_app
from web.pages import WebConfig, web_pages_router
from web.server import WebServer

States = dict[str, ClockState]
"""Regime → the state a surface shows."""
ON_TIME = {"yes": ClockState.MET, "—": ClockState.RUNNING}


@pytest.fixture
def vigil(
    domain: Domain,
    time_source: ManualTime,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., str]:
    """``vigil(*argv)`` → what the CLI printed, run against the test database at the test clock's time."""
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setattr(SystemTime, "now", lambda _self: time_source.now())

    def run(*argv: str) -> str:
        assert main(list(argv)) == 0
        return capsys.readouterr().out

    return run


@pytest.fixture
def site(
    domain: Domain, web_config: WebConfig, review_templates: ReviewTemplates
) -> Iterator[tuple[WebServer, httpx.Client]]:
    """The web pages and the intake API in one app, with an API client holding a read key."""
    routers = [web_pages_router(domain, web_config, review_templates), build_api_router(domain, Settings())]
    with domain.unit() as ctx:
        _key, token = apikeys.create_key(ctx, actor="cli:ops", name="reader", scopes=[apikeys.READ], all_tiers=False)
    with (
        WebServer(build_web_app(domain, routers)) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api,
    ):
        yield server, api


def _regimes(domain: Domain) -> dict[str, str]:
    """Clock name → regime (the card, the page and the review name clocks as people read them)."""
    return {policy.name: regime for regime, policy in domain.policy.clocks.items()}


def test_every_surface_shows_the_same_clock_states(
    domain: Domain,
    time_source: ManualTime,
    emu: SlackEmulator,
    sign_in: SignIn,
    site: tuple[WebServer, httpx.Client],
    vigil: Callable[..., str],
    review_templates: ReviewTemplates,
) -> None:
    ref = clocks_on_the_edges(domain, time_source)
    expected = {regime: state for regime, (state, _margin) in EDGES.items()}
    server, api = site
    by_name = _regimes(domain)

    page = sign_in(emu.add_user("rita", "Rita Ops", "rita@example.com"), via=server).get(f"/incidents/{ref}").text
    on_page = re.findall(r'<div class="clock-name">(.+?)<.*?<span class="badge[^"]*">(\w+)</span>', page, re.S)
    assert {by_name[name.strip()]: ClockState(state) for name, state in on_page} == expected

    with domain.unit() as ctx:
        blocks = card(incident_to_show(ctx, ref), ctx.policy, ctx.now()).blocks
        review = render_review(
            ctx, ref, actor="U_ALICE", audience=Audience.TEAM, fmt=Format.MARKDOWN, templates=review_templates
        )
    [clock_lines] = [b["text"]["text"] for b in blocks if b.get("text", {}).get("text", "").startswith("*Clocks*")]
    on_card: States = {}
    for name, rest in re.findall(r"• (.+?): (.+)", clock_lines):
        settled = re.match(r"(met|missed) \(", rest)
        on_card[by_name[name]] = ClockState(
            settled.group(1) if settled else ("overdue" if ":warning: *overdue*" in rest else "running")
        )
    assert on_card == expected

    shown = vigil("show", ref)
    on_cli = {regime: ClockState(state.lower()) for regime, state in re.findall(r"#\d+ (\w+) +due .+?  (\w+)", shown)}
    assert on_cli == expected

    body = api.get(f"/api/v1/incidents/{ref}").json()
    assert {c["regime"]: ClockState(c["state"]) for c in body["clocks"]} == expected

    rows = re.findall(r"^\| (.+?) \| .* \| \*\*(.+?)\*\* \((.+?)\) \|$", review, re.M)
    in_review = {
        by_name[name]: ON_TIME.get(on_time) or (ClockState.OVERDUE if "overdue" in margin else ClockState.MISSED)
        for name, on_time, margin in rows
    }
    assert in_review == expected


def test_the_next_update_due_is_the_same_everywhere_and_gone_once_resolved(
    domain: Domain, time_source: ManualTime, sign_in: SignIn, emu: SlackEmulator, vigil: Callable[..., str]
) -> None:
    """A severity change after the last update re-plans the next one (the card used to keep the old promise);
    once resolved, no surface says an update is due."""
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx, actor="U_ALICE", title="Scam wave", types=["fraud_scam"], severity=Severity.SEV1
        ).ref
        promise = timeline.post_update(ctx, ref, actor="U_ALICE", summary="Blocking links").next_update_due
    time_source.advance(timedelta(minutes=20))
    with domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U_ALICE", severity=Severity.SEV2, reason="contained")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        due = next_update_due(incident, ctx.policy)
        card_text = str(card(incident, ctx.policy, ctx.now()).blocks)
    assert due is not None and due != promise
    assert f"*Next update due* <!date^{int(due.timestamp())}^" in card_text
    web = sign_in(emu.add_user("rita", "Rita Ops", "rita@example.com"))
    assert re.search(rf"<dt>Next update due</dt><dd>{due:%Y-%m-%d %H:%M} UTC", web.get(f"/incidents/{ref}").text)

    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert next_update_due(incident, ctx.policy) is None
        assert "Next update due" not in str(card(incident, ctx.policy, ctx.now()).blocks)
    assert "Next update due" not in web.get(f"/incidents/{ref}").text
    assert "next update due" not in vigil("show", ref).lower()
