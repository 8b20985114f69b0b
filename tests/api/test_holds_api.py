"""Legal holds through the intake API: the key that declared the incident places one, erasure is refused with the
hold named (422) until that key releases it; another key may not release it."""

from __future__ import annotations

import httpx

from tests.api.conftest import DECLARE, MakeKey, client_for
from web.server import WebServer

HOLD = {"matter": "Doe v. Platform", "reason": "Subpoena received 2026-11-20"}


def test_a_hold_refuses_erasure_through_the_api_until_it_is_released(
    client: httpx.Client, api: WebServer, make_key: MakeKey
) -> None:
    ref = client.post("/api/v1/incidents", json=DECLARE).json()["ref"]
    party = {"role": "reporter", "name": "Jane Doe"}
    assert client.post(f"/api/v1/incidents/{ref}/parties", json=party).status_code == 201

    placed = client.post(f"/api/v1/incidents/{ref}/holds", json=HOLD)
    assert placed.status_code == 201, placed.text
    assert {k: placed.json()[k] for k in ("matter", "placed_by", "released_at")} == {
        "matter": "Doe v. Platform",
        "placed_by": "api:hotline",
        "released_at": None,
    }
    assert [h["matter"] for h in client.get(f"/api/v1/incidents/{ref}/holds").json()["items"]] == ["Doe v. Platform"]

    refused = client.post(f"/api/v1/incidents/{ref}/parties/1/erase")
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["message"].startswith(f"{ref} is under legal hold for 'Doe v. Platform', placed by api:hotline on ")

    with client_for(api, make_key("other")) as other:
        refused = other.post(f"/api/v1/incidents/{ref}/holds/release", json={})
        assert refused.status_code == 403
        [error] = refused.json()["errors"]
        assert error["message"] == f"Only {ref}'s legal role can place or release its legal holds."

    released = client.post(f"/api/v1/incidents/{ref}/holds/release", json={})
    assert released.status_code == 201, released.text
    assert released.json()["items"][0]["released_by"] == "api:hotline"
    assert client.get(f"/api/v1/incidents/{ref}/holds").json() == {"items": []}
    assert client.post(f"/api/v1/incidents/{ref}/parties/1/erase").status_code == 201
