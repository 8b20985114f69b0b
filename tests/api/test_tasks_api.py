"""Playbook steps through the intake API: listed, completed and skipped (with a reason) idempotently, on the
timeline under the key's name; a restricted incident's steps do not exist for a key that may not see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx

from incidents.context import Domain
from incidents.enums import TimelineKind
from incidents.queries import incident_to_show
from incidents.timesource import ManualTime
from tests.api.conftest import DECLARE, MakeKey, client_for
from tests.helpers import declared_ref
from web.server import WebServer


def _declared(client: httpx.Client) -> str:
    response = client.post("/api/v1/incidents", json=DECLARE)
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


def _steps(client: httpx.Client, ref: str) -> dict[str, dict[str, object]]:
    listed = client.get(f"/api/v1/incidents/{ref}/tasks")
    assert listed.status_code == 200, listed.text
    return {str(t["step"]): t for t in listed.json()["items"]}


def _task_entries(domain: Domain, ref: str) -> list[tuple[str, str]]:
    with domain.unit() as ctx:
        return [(e.author, e.text) for e in incident_to_show(ctx, ref).timeline if e.kind is TimelineKind.TASK]


def test_a_key_lists_completes_and_skips_steps_once_per_idempotency_key(
    client: httpx.Client, domain: Domain, time_source: ManualTime
) -> None:
    ref = _declared(client)
    listed = client.get(f"/api/v1/incidents/{ref}/tasks").json()
    steps = {t["step"]: t for t in listed["items"]}
    assert list(steps)[:4] == ["assess_danger", "emergency_disclosure", "record_disclosure", "restrict_content"]
    assert (listed["finished"], listed["total"], listed["late"]) == (0, len(steps), 0)
    assess = steps["assess_danger"]
    assert (assess["playbook"], assess["owner_role"], assess["status"], assess["late"]) == (
        "threat_violence",
        "commander",
        "open",
        False,
    )

    time_source.advance(timedelta(minutes=45))
    done_url = f"/api/v1/incidents/{ref}/tasks/{assess['id']}/complete"
    done = client.post(done_url, headers={"Idempotency-Key": "done-1"})
    assert done.status_code == 201, done.text
    assert (done.json()["status"], done.json()["late"], done.json()["finished_by"]) == ("done", True, "api:hotline")
    again = client.post(done_url, headers={"Idempotency-Key": "done-1"})
    assert again.json() == done.json() and again.headers["Idempotent-Replayed"] == "true"

    skip_url = f"/api/v1/incidents/{ref}/tasks/{steps['restrict_content']['id']}/skip"
    reason = {"reason": "The account was already suspended by the detector"}
    skipped = client.post(skip_url, json=reason, headers={"Idempotency-Key": "skip-1"})
    assert skipped.status_code == 201, skipped.text
    assert skipped.json()["status"] == "skipped" and "reason" not in skipped.json()
    assert client.post(skip_url, json=reason, headers={"Idempotency-Key": "skip-1"}).json() == skipped.json()

    after = client.get(f"/api/v1/incidents/{ref}/tasks").json()
    assert (after["finished"], after["total"], after["late"]) == (2, len(steps), 0)
    assert _task_entries(domain, ref)[-2:] == [
        ("api:hotline", f"Step done (late): {assess['text']}"),
        ("api:hotline", f"Step skipped: {steps['restrict_content']['text']}. Reason: {reason['reason']}"),
    ]


def test_skipping_needs_a_reason_and_a_finished_step_stays_finished(client: httpx.Client, domain: Domain) -> None:
    ref = _declared(client)
    first = _steps(client, ref)["assess_danger"]["id"]
    for body in ({}, {"reason": "   "}):
        refused = client.post(f"/api/v1/incidents/{ref}/tasks/{first}/skip", json=body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    assert client.post(f"/api/v1/incidents/{ref}/tasks/{first}/complete").status_code == 201
    twice = client.post(f"/api/v1/incidents/{ref}/tasks/{first}/skip", json={"reason": "changed my mind"})
    assert twice.status_code == 422
    assert twice.json()["errors"] == [{"field": "task", "message": f"Step #{first} of {ref} is already done."}]
    done = f"Step done: {_steps(client, ref)['assess_danger']['text']}"
    assert [text for _, text in _task_entries(domain, ref)].count(done) == 1


def test_a_task_id_does_not_reach_another_incident(client: httpx.Client) -> None:
    ref, other = _declared(client), _declared(client)
    theirs = _steps(client, other)["assess_danger"]["id"]
    for response in (
        client.post(f"/api/v1/incidents/{ref}/tasks/{theirs}/complete"),
        client.post(f"/api/v1/incidents/{ref}/tasks/{theirs}/skip", json={"reason": "n/a"}),
    ):
        assert response.status_code == 404
        assert response.json()["errors"] == [
            {
                "field": "task_id",
                "message": f"No task #{theirs} on {ref}; GET /api/v1/incidents/{ref}/tasks lists them.",
            }
        ]
    assert _steps(client, other)["assess_danger"]["status"] == "open"


def test_a_restricted_incidents_steps_do_not_exist_for_a_standard_only_key(
    api: WebServer, make_key: MakeKey, client: httpx.Client, domain: Domain
) -> None:
    restricted = declared_ref(domain, types=["child_safety"], title="Report of apparent exploitation in a group")
    unknown = f"{restricted[:-4]}9999"
    task_id = _steps(client, restricted)["remove_content"]["id"]
    with client_for(api, make_key("casetool")) as standard_only:
        calls: list[Callable[[str], httpx.Response]] = [
            lambda r: standard_only.get(f"/api/v1/incidents/{r}/tasks"),
            lambda r: standard_only.post(f"/api/v1/incidents/{r}/tasks/{task_id}/complete"),
            lambda r: standard_only.post(f"/api/v1/incidents/{r}/tasks/{task_id}/skip", json={"reason": "not needed"}),
        ]
        for call in calls:
            hidden, missing = call(restricted), call(unknown)
            assert hidden.status_code == missing.status_code == 404
            assert hidden.json()["errors"][0]["message"].replace(restricted, "?") == missing.json()["errors"][0][
                "message"
            ].replace(unknown, "?")
    assert {t["status"] for t in _steps(client, restricted).values()} == {"open"}
