"""Web view fixtures: the Slack emulator answers Sign in with Slack; the pages run in a real uvicorn server.

``sign_in(user_id)`` goes through the whole OpenID Connect flow (authorize redirect, token exchange, userInfo)
and returns an HTTP client holding the session cookie, as a browser would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import httpx
import pytest

from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.reviews import ReviewTemplates, load_templates
from incidents.timesource import ManualTime
from tests.web.scenario import LEADER_EMAIL, World, build_world
from web.app import build_web_app
from web.pages import WebConfig, web_pages_router
from web.server import WebServer

SignIn = Callable[..., httpx.Client]


@pytest.fixture(scope="session")
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(enforce_rate_limits=False) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def review_templates() -> ReviewTemplates:
    return load_templates()


@pytest.fixture
def web_config(emu: SlackEmulator) -> WebConfig:
    return WebConfig(
        issuer="https://slack.com",
        discovery_url=emu.oidc_configuration_url,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        session_secret="test-session-secret-" + "x" * 20,
        leadership=(LEADER_EMAIL,),
    )


@pytest.fixture
def world(domain: Domain, time_source: ManualTime, emu: SlackEmulator) -> World:
    return build_world(domain, time_source, emu)


def serve(domain: Domain, config: WebConfig, templates: ReviewTemplates) -> WebServer:
    return WebServer(build_web_app(domain, [web_pages_router(domain, config, templates)]))


@pytest.fixture
def server(domain: Domain, web_config: WebConfig, review_templates: ReviewTemplates) -> Iterator[WebServer]:
    with serve(domain, web_config, review_templates) as running:
        yield running


@pytest.fixture
def sign_in(server: WebServer, emu: SlackEmulator) -> Iterator[SignIn]:
    clients: list[httpx.Client] = []

    def _sign_in(user_id: str | None, *, via: WebServer | None = None) -> httpx.Client:
        emu.oidc_login_as(user_id)
        client = httpx.Client(base_url=(via or server).url + "/web", follow_redirects=True, timeout=10)
        clients.append(client)
        client.get("/signin/start")
        return client

    yield _sign_in
    for client in clients:
        client.close()


def other_issuer(config: WebConfig) -> WebConfig:
    """The same provider presented as a generic OpenID Connect issuer: people are found by e-mail."""
    return replace(config, issuer="https://login.example.com")
