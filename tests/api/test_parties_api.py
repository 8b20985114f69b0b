"""Parties through the intake API: the key that declared the incident (a member) adds, reads and erases them;
other keys are refused; answers to POSTs never carry identifiers."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from incidents.context import Domain
from incidents.models import AuditEvent
from incidents.queries import incident_to_show
from tests.api.conftest import DECLARE, MakeKey, client_for
from web.server import WebServer

JANE = {"role": "reporter", "name": "Jane Doe", "handle": "@jdoe_99", "contact": "jane.doe@example.org"}


def _declared(client: httpx.Client) -> str:
    response = client.post("/api/v1/incidents", json=DECLARE)
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


def test_the_declaring_key_adds_lists_and_erases_a_party(client: httpx.Client, domain: Domain) -> None:
    ref = _declared(client)
    added = client.post(f"/api/v1/incidents/{ref}/parties", json=JANE, headers={"Idempotency-Key": "party-1"})
    assert added.status_code == 201, added.text
    assert added.json() == {"number": 1, "token": "Reporter", "role": "reporter"}
    note = {"text": "Jane Doe called back from jane.doe@example.org"}
    assert client.post(f"/api/v1/incidents/{ref}/timeline", json=note).status_code == 201

    listed = client.get(f"/api/v1/incidents/{ref}/parties")
    assert listed.status_code == 200
    [party] = listed.json()["items"]
    assert (party["token"], party["name"], party["handle"], party["account_id"]) == (
        "Reporter",
        "Jane Doe",
        "jdoe_99",
        None,
    )

    erased = client.post(f"/api/v1/incidents/{ref}/parties/reporter/erase")
    assert erased.status_code == 201, erased.text
    assert erased.json() == {"number": 1, "token": "Reporter", "replacements": 2}
    [party] = client.get(f"/api/v1/incidents/{ref}/parties").json()["items"]
    assert (party["name"], party["contact"], party["erased_at"] is not None) == (None, None, True)
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).timeline[-1].text == "Reporter called back from Reporter"
        views = ctx.session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "party.view"))
        assert list(views) == ["api:hotline", "api:hotline"]

    again = client.post(f"/api/v1/incidents/{ref}/parties/1/erase")
    assert again.status_code == 422
    assert again.json()["errors"] == [{"field": "party", "message": f"Reporter on {ref} was already erased."}]


def test_keys_that_are_not_members_are_refused(
    client: httpx.Client, api: WebServer, make_key: MakeKey, domain: Domain
) -> None:
    ref = _declared(client)
    assert client.post(f"/api/v1/incidents/{ref}/parties", json=JANE).status_code == 201
    with client_for(api, make_key("casetool")) as other:
        for response in (
            other.get(f"/api/v1/incidents/{ref}/parties"),
            other.post(f"/api/v1/incidents/{ref}/parties", json=JANE),
            other.post(f"/api/v1/incidents/{ref}/parties/1/erase"),
        ):
            assert response.status_code == 403
            assert response.json()["errors"][0]["message"].startswith(f"Only members of {ref}")
    with domain.unit() as ctx:
        assert list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "party.view"))) == []


def test_bad_parties_are_refused_by_field(client: httpx.Client) -> None:
    ref = _declared(client)
    wrong_role = client.post(f"/api/v1/incidents/{ref}/parties", json={**JANE, "role": "victim"})
    assert wrong_role.status_code == 422 and wrong_role.json()["errors"][0]["field"] == "role"
    nobody = client.post(f"/api/v1/incidents/{ref}/parties", json={"role": "witness"})
    assert nobody.status_code == 422 and nobody.json()["errors"][0]["field"] == "name"
    unknown = client.post(f"/api/v1/incidents/{ref}/parties/witness-3/erase")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "party"
