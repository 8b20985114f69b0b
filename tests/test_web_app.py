import httpx

from incidents.context import Domain
from web.app import build_web_app
from web.server import WebServer


def test_healthz_answers_when_the_database_does(domain: Domain) -> None:
    with WebServer(build_web_app(domain)) as server:
        response = httpx.get(f"{server.url}/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}
