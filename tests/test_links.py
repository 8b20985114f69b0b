"""Every link to the web view that Vigil emits leads to a page: the intake API's ``url``, the Jira issue's review
link, what Slack received (the review bookmark, the leadership digest), each followed by a signed-in person
against the app ``vigil serve --http`` serves."""

from __future__ import annotations

import dataclasses
import json
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.http import SLACK_EVENTS_PATH
from bot.ids import ViewId
from emulators.jira import JiraEmulator
from emulators.jira.testing import running
from emulators.slack import SlackEmulator
from incidents import actions
from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.links import web_url
from incidents.people import upsert_person
from incidents.queries import incident_to_show
from incidents.scheduling.jobs import leadership_digest
from incidents.settings import Settings
from incidents.timesource import ManualTime, SystemTime
from tests.bot.conftest import bot_settings, start_runtime
from tests.helpers import declared_ref
from vigil.assembly import Runtime
from vigil.http_app import create_http_app
from web.server import WebServer

ALICE_EMAIL = "alice@example.org"
URL = re.compile(r"https?://[^\s<>|\"']+")
DAY = timedelta(days=1)


@dataclasses.dataclass
class Served:
    """Vigil as ``vigil serve --http`` runs it, at its public address, with the Slack and Jira it talks to."""

    url: str
    slack: SlackEmulator
    jira: JiraEmulator
    domain: Domain
    settings: Settings
    alice: str
    leadership: str

    def channel_of(self, ref: str) -> str | None:
        with self.domain.unit() as ctx:
            return incident_to_show(ctx, ref).slack_channel_id


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(domain: Domain, db_url: str) -> Iterator[Served]:
    live = Domain(domain.engine, domain.factory, domain.policy, SystemTime())
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with SlackEmulator(enforce_rate_limits=False) as slack, running("Cloud") as jira:
        alice = slack.add_user("alice", "Alice Moreau", ALICE_EMAIL)
        announce = slack.add_channel("incidents", members=[alice])
        leadership = slack.add_channel("leadership", members=[alice])
        settings = bot_settings(
            slack,
            db_url,
            announce,
            leadership_channel=leadership,
            web_base_url=base,
            oidc_discovery_url=slack.oidc_configuration_url,
            oidc_client_id=slack.client_id,
            oidc_client_secret=slack.client_secret,
            web_session_secret="links-test-session-secret-" + "x" * 20,
            jira_url=jira.url,
            jira_email=jira.email,
            jira_api_token=jira.api_token,
            jira_project="SAFE",
        )
        runtime: Runtime = start_runtime(settings, live)
        try:
            app = create_http_app(runtime.app, live, settings, runtime.templates)
            with WebServer(app, port=port) as server:
                slack.http_target = f"{server.url}{SLACK_EVENTS_PATH}"
                yield Served(base, slack, jira, live, settings, alice, leadership)
        finally:
            runtime.stop()


def _links(text: str, base: str) -> set[str]:
    return {u for u in URL.findall(text.replace("&amp;", "&")) if u.startswith(base)}


def _slack_links(slack: SlackEmulator, base: str) -> set[str]:
    """Every link to the web view in what Slack holds: messages, bookmarks, ephemerals, replies, modals, files."""
    held: list[Any] = [*slack.ephemerals, *slack.responses, *slack.views.values()]
    for channel in slack.channels:
        held += [*slack.messages(channel), *slack.bookmarks(channel)]
    text = json.dumps([dataclasses.asdict(item) for item in held], default=str)
    text += "".join((f.content or b"").decode(errors="replace") for f in slack.files.values())
    return _links(text, base)


def _declare_through_the_api(served: Served) -> tuple[str, set[str]]:
    with served.domain.unit() as ctx:
        upsert_person(ctx, served.alice, display_name="Alice Moreau", email=ALICE_EMAIL)
        _key, token = apikeys.create_key(
            ctx, actor="cli:ops", name="hotline", scopes=[apikeys.READ, apikeys.WRITE], rate_per_minute=10_000
        )
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        declared = api.post(
            "/api/v1/incidents",
            json={
                "title": "Coordinated harassment of a streamer",
                "types": ["hate_harassment"],
                "severity": "SEV1",
                "commander_email": ALICE_EMAIL,
            },
        )
        assert declared.status_code == 201, declared.text
        ref = declared.json()["ref"]
        read = api.get(f"/api/v1/incidents/{ref}").json()
        listed = api.get("/api/v1/incidents").json()["items"]
    return ref, {declared.json()["url"], read["url"], *(item["url"] for item in listed)}


def _start_the_review_in_slack(served: Served, channel: str) -> None:
    slack, alice = served.slack, served.alice
    slack.slash_command(alice, channel, "review")
    form = slack.wait_for(
        lambda: next((v for v in slack.views.values() if v.view.get("callback_id") == ViewId.REVIEW), None)
    )
    slack.submit_view(form.id, alice, {"executive_summary": {"executive_summary": "Raid contained in an hour."}})
    slack.wait_for(lambda: any(b.title == "Review" for b in slack.bookmarks(channel)), timeout=15)


def _jira_links(served: Served) -> set[str]:
    issue = served.slack.wait_for(lambda: next(iter(served.jira.issues.values()), None), timeout=15)
    served.slack.wait_for(lambda: served.jira.issues[issue.key].remote_links, timeout=15)
    issue = served.jira.issues[issue.key]
    return _links(issue.description or "", served.url) | {
        link.object["url"] for link in issue.remote_links if link.object["url"].startswith(served.url)
    }


def _post_the_leadership_digest(served: Served) -> str:
    """The digest of the week just ended, which names the SEV1 declared in it; returns that incident's reference."""
    week_end = served.settings.scheduling.weekly.last(SystemTime().now())
    last_week = Domain(served.domain.engine, served.domain.factory, served.domain.policy, ManualTime(week_end - DAY))
    ref = declared_ref(last_week, actor=served.alice, title="Scam wave targeting hosts", types=["fraud_scam"])
    assert leadership_digest(served.domain, served.settings.scheduling, served.leadership)
    served.slack.wait_for(lambda: served.slack.messages(served.leadership), timeout=15)
    return ref


def test_every_link_to_the_web_view_opens_a_page(served: Served) -> None:
    ref, api_links = _declare_through_the_api(served)
    page, review = f"{served.url}/web/incidents/{ref}", f"{served.url}/web/incidents/{ref}/review"
    assert api_links == {page}

    channel = served.slack.wait_for(lambda: served.channel_of(ref), timeout=15)
    with served.domain.unit() as ctx:
        actions.add_action(ctx, ref, actor=served.alice, title="Rate-limit new accounts' replies", tracked=True)
    _start_the_review_in_slack(served, channel)
    jira_links = _jira_links(served)
    assert jira_links == {page}

    named = _post_the_leadership_digest(served)
    [digest] = served.slack.messages(served.leadership)
    trends = f"{served.url}/web/trends"
    assert _links(json.dumps(digest.blocks), served.url) == {f"{served.url}/web/incidents/{named}", trends}
    slack_links = _slack_links(served.slack, served.url)
    assert {review, trends} <= slack_links

    served.slack.oidc_login_as(served.alice)
    with httpx.Client(follow_redirects=True, timeout=10) as person:
        assert person.get(f"{served.url}/web/signin/start").status_code == 200
        for link in sorted(api_links | jira_links | slack_links):
            opened = person.get(link)
            assert (opened.status_code, opened.url) == (200, httpx.URL(link)), link


def test_links_follow_the_configured_address_and_are_left_out_without_one() -> None:
    settings = Settings(web_base_url="https://vigil.example.org/", web_path_prefix="/ops")
    assert web_url(settings, "incidents", "INC-2026-0042", "review") == (
        "https://vigil.example.org/ops/incidents/INC-2026-0042/review"
    )
    assert web_url(settings, "incidents", "a b/c?") == "https://vigil.example.org/ops/incidents/a%20b%2Fc%3F"
    assert web_url(Settings(web_base_url=None), "trends") is None
    assert web_url(None, "trends") is None
