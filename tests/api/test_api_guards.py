"""Who may call, how much, with how big a body, and what the audit log keeps of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
from sqlalchemy import select

from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.models import AuditEvent, Incident
from incidents.timesource import ManualTime
from tests.api.conftest import DECLARE, MakeKey, client_for
from tests.helpers import count, declared_ref
from web.server import WebServer


def test_calls_without_a_valid_key_are_401(api: WebServer, make_key: MakeKey) -> None:
    token = make_key()
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": f"Basic {token}"},
        {"Authorization": f"Bearer {token[:-1]}x"},
    ):
        response = httpx.get(f"{api.url}/api/v1/incidents", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["errors"][0]["field"] == "Authorization"


def test_scopes_are_enforced(api: WebServer, make_key: MakeKey, domain: Domain) -> None:
    with client_for(api, make_key("reader", (apikeys.READ,))) as reader:
        assert reader.get("/api/v1/incidents").status_code == 200
        refused = reader.post("/api/v1/incidents", json=DECLARE)
        assert refused.status_code == 403 and "incidents:write" in refused.json()["errors"][0]["message"]
    with client_for(api, make_key("writer", (apikeys.WRITE,))) as writer:
        assert writer.get("/api/v1/incidents").status_code == 403
        assert writer.post("/api/v1/incidents", json=DECLARE).status_code == 201
    assert count(domain, Incident) == 1


def test_revocation_takes_effect_at_once(api: WebServer, make_key: MakeKey, domain: Domain) -> None:
    with client_for(api, make_key()) as http:
        assert http.get("/api/v1/incidents").status_code == 200
        with domain.unit() as ctx:
            apikeys.revoke_key(ctx, "hotline", actor="cli:ops")
        assert http.get("/api/v1/incidents").status_code == 401
        assert http.post("/api/v1/incidents", json=DECLARE).status_code == 401
    assert count(domain, Incident) == 0


def test_standard_only_keys_never_touch_restricted_incidents(api: WebServer, make_key: MakeKey, domain: Domain) -> None:
    restricted = declared_ref(domain, types=["suicide_self_harm"], title="Live stream of self-harm")
    standard = declared_ref(domain)
    with client_for(api, make_key("intake")) as http:
        assert http.post("/api/v1/incidents", json={**DECLARE, "tier": "restricted"}).status_code == 403
        raised = http.post("/api/v1/incidents", json={**DECLARE, "types": ["child_safety"]})
        assert raised.status_code == 403 and raised.json()["errors"][0]["field"] == "types"
        hidden = http.get(f"/api/v1/incidents/{restricted}")
        unknown = http.get(f"/api/v1/incidents/{restricted[:-4]}9999")
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.json()["errors"][0]["message"].replace(restricted, "?") == unknown.json()["errors"][0][
            "message"
        ].replace(f"{restricted[:-4]}9999", "?")
        assert http.post(f"/api/v1/incidents/{restricted}/timeline", json={"text": "x"}).status_code == 404
        assert http.post(f"/api/v1/incidents/{restricted}/updates", json={"summary": "x"}).status_code == 404
        assert [i["ref"] for i in http.get("/api/v1/incidents").json()["items"]] == [standard]
    assert count(domain, Incident) == 2


def test_bodies_over_the_limit_are_413_however_they_are_sent(client: httpx.Client, domain: Domain) -> None:
    huge = {**DECLARE, "summary": "x" * 70_000}
    assert client.post("/api/v1/incidents", json=huge).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count what it reads
        yield b'{"summary": "'
        for _ in range(100):
            yield b"y" * 1000
        yield b'"}'

    response = client.post("/api/v1/incidents", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "body"
    assert count(domain, Incident) == 0


def test_each_key_has_its_own_rate_limit(api: WebServer, make_key: MakeKey, time_source: ManualTime) -> None:
    time_source.advance(timedelta(seconds=15))
    with client_for(api, make_key("slow", rate_per_minute=3)) as slow, client_for(api, make_key("other")) as other:
        assert [slow.get("/api/v1/incidents").status_code for _ in range(3)] == [200, 200, 200]
        limited = slow.get("/api/v1/incidents")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "45"
        assert slow.post("/api/v1/incidents", json=DECLARE).status_code == 429
        assert other.get("/api/v1/incidents").status_code == 200
        time_source.advance(timedelta(seconds=45))
        assert slow.get("/api/v1/incidents").status_code == 200


def test_every_call_is_audited_with_the_key_name(client: httpx.Client, domain: Domain) -> None:
    ref = client.post("/api/v1/incidents", json=DECLARE).json()["ref"]
    client.get(f"/api/v1/incidents/{ref}")
    client.post(f"/api/v1/incidents/{ref}/timeline", json={"text": "   "})
    client.get("/api/v1/incidents/INC-2026-0404")
    with domain.unit() as ctx:
        calls = list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")))
    assert {c.actor for c in calls} == {"api:hotline"}
    assert [(c.details["method"], c.details["status"]) for c in calls] == [
        ("POST", 201),
        ("GET", 200),
        ("POST", 422),
        ("GET", 404),
    ]
    assert calls[2].details["errors"] == ["Enter some text (NUL characters are not allowed)."]


def test_unknown_paths_and_methods_answer_in_the_error_shape(api: WebServer, make_key: MakeKey) -> None:
    with client_for(api, make_key()) as http:
        ref = http.post("/api/v1/incidents", json=DECLARE).json()["ref"]
        for method, path, allowed in (
            ("DELETE", "/api/v1/incidents", "GET, POST"),
            ("PUT", f"/api/v1/incidents/{ref}", "GET"),
            ("GET", f"/api/v1/incidents/{ref}/timeline", "POST"),
            ("POST", "/api/v1/openapi.json", "GET"),
            ("GET", "/api/v1/signals", "POST"),
        ):
            refused = http.request(method, path)
            assert refused.status_code == 405, (method, path)
            assert refused.headers["Allow"] == allowed
            assert refused.json() == {
                "errors": [
                    {
                        "field": None,
                        "message": f"This path does not answer {method}; use {allowed.replace(', ', ' or ')}.",
                    }
                ]
            }
        for path in ("/api/v1/incident", f"/api/v1/incidents/{ref}/nothing", "/api/v1/"):
            missing = httpx.get(f"{api.url}{path}")  # no key needed to learn there is nothing here
            assert missing.status_code == 404, path
            assert missing.json() == {
                "errors": [
                    {"field": None, "message": "There is no operation at this path; /api/v1/openapi.json lists them."}
                ]
            }
