"""An intake API on loopback over the test database: ``api`` → ``keys`` (tokens) → ``client`` (httpx, authorised)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.settings import Settings
from web.api import build_api_router
from web.app import build_web_app
from web.server import WebServer

WEB_BASE = "https://vigil.example.org"
MakeKey = Callable[..., str]


@pytest.fixture
def api(domain: Domain) -> Iterator[WebServer]:
    with WebServer(build_web_app(domain, [build_api_router(domain, Settings(web_base_url=WEB_BASE))])) as server:
        yield server


@pytest.fixture
def make_key(domain: Domain) -> MakeKey:
    """Create a key and return its token, as ``vigil api-keys create`` would."""

    def make(
        name: str = "hotline",
        scopes: tuple[str, ...] = (apikeys.READ, apikeys.WRITE),
        *,
        all_tiers: bool = False,
        rate_per_minute: int = 10_000,
    ) -> str:
        with domain.unit() as ctx:
            _key, token = apikeys.create_key(
                ctx,
                actor="cli:ops",
                name=name,
                scopes=list(scopes),
                all_tiers=all_tiers,
                rate_per_minute=rate_per_minute,
            )
        return token

    return make


def client_for(server: WebServer, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


@pytest.fixture
def client(api: WebServer, make_key: MakeKey) -> Iterator[httpx.Client]:
    with client_for(api, make_key(all_tiers=True)) as http:
        yield http


DECLARE = {
    "title": "Caller reports a credible threat against a streamer",
    "summary": "Hotline call; caller named a date and place.",
    "types": ["threat_violence"],
    "severity": "SEV1",
    "region": "EMEA",
    "jurisdictions": ["EU"],
    "detection_source": "hotline",
    "external_ref": "CALL-20261123-0007",
    "detected_at": "2026-11-23T11:50:00Z",
}
