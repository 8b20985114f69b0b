"""Resolving through the API with playbook steps, referrals or clocks still open is refused, naming
``confirm_open_work`` and listing what is open, until the caller confirms; the timeline then says what was left."""

from __future__ import annotations

import httpx

from incidents.context import Domain
from incidents.enums import Status
from incidents.queries import incident_to_show
from tests.api.conftest import DECLARE


def test_a_resolve_with_work_open_needs_confirm_open_work(client: httpx.Client, domain: Domain) -> None:
    ref = client.post("/api/v1/incidents", json=DECLARE).json()["ref"]  # threat_violence SEV1 in the EU
    update = {"summary": "Streamer safe; police informed", "status": "resolved"}

    refused = client.post(f"/api/v1/incidents/{ref}/updates", json=update)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "confirm_open_work"
    assert error["message"].startswith(f"{ref} still has 6 playbook steps and 1 clock open: step #1 ")
    assert "; clock #1 " in error["message"]
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.status is Status.DECLARED and incident.updates == []

    done = client.post(f"/api/v1/incidents/{ref}/updates", json={**update, "confirm_open_work": True})
    assert done.status_code == 201, done.text
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.status is Status.RESOLVED
        assert any(
            e.text == "Resolved with 6 playbook steps and 1 clock open (was declared)" for e in incident.timeline
        )


def test_nothing_open_needs_no_confirmation(client: httpx.Client) -> None:
    body = {**DECLARE, "types": ["other"], "severity": "SEV3", "jurisdictions": []}
    ref = client.post("/api/v1/incidents", json=body).json()["ref"]
    done = client.post(f"/api/v1/incidents/{ref}/updates", json={"summary": "False alarm", "status": "resolved"})
    assert done.status_code == 201 and done.json()["status"] == "resolved", done.text
