"""Each operation does what a hotline or case tool needs, and what it wrote is what Vigil holds."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from incidents import actions
from incidents.clocks import service as clocks
from incidents.context import Domain
from incidents.models import AuditEvent, Person
from incidents.outbox import OutboxMessage, Topic
from incidents.queries import incident_to_show
from incidents.timesource import ManualTime
from tests.api.conftest import DECLARE, WEB_BASE


def _declare(client: httpx.Client, **overrides: object) -> dict:
    response = client.post("/api/v1/incidents", json={**DECLARE, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


def test_declare_opens_the_incident_and_asks_the_bot_to_invite_responders(client: httpx.Client, domain: Domain) -> None:
    with domain.unit() as ctx:
        ctx.session.add(Person(key="U_NINA", display_name="Nina", email="Nina@Example.org"))
    body = _declare(client, responders=["nina@example.org", "new.hire@example.org"], commander_email="nina@example.org")
    ref = body["ref"]
    assert body["url"] == f"{WEB_BASE}/web/incidents/{ref}" and body["href"] == f"/api/v1/incidents/{ref}"
    assert body["responders"] == [
        {"email": "nina@example.org", "person": "U_NINA"},
        {"email": "new.hire@example.org", "person": "email:new.hire@example.org"},
    ]
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert (incident.declared_by, incident.commander) == ("api:hotline", "U_NINA")
        assert (incident.external_ref, incident.detection_source, incident.region) == (
            "CALL-20261123-0007",
            "hotline",
            "EMEA",
        )
        assert incident.detected_at.isoformat() == "2026-11-23T11:50:00+00:00"
        declared = ctx.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == Topic.INCIDENT_DECLARED))
        assert declared.payload["invite"] == ["api:hotline", "U_NINA", "email:new.hire@example.org"]
        calls = list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")))
        assert [(c.actor, c.details["status"], c.incident_id) for c in calls] == [("api:hotline", 201, incident.id)]


def test_the_api_key_commands_until_someone_takes_over(client: httpx.Client, domain: Domain) -> None:
    ref = _declare(client)["ref"]
    detail = client.get(f"/api/v1/incidents/{ref}").json()
    assert [(r["role"], r["person"]) for r in detail["roles"]] == [("commander", "api:hotline")]


def test_a_commander_unknown_to_vigil_is_refused_by_field(client: httpx.Client) -> None:
    response = client.post("/api/v1/incidents", json={**DECLARE, "commander_email": "nobody@example.org"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "commander_email"


def test_child_safety_is_raised_to_highly_restricted(client: httpx.Client) -> None:
    body = _declare(client, types=["child_safety"], title="Report of apparent exploitation in a group")
    assert body["tier"] == "highly_restricted"


def test_timeline_entries_are_the_keys_own_and_keep_time_flag_and_reporter(
    client: httpx.Client, domain: Domain
) -> None:
    with domain.unit() as ctx:
        ctx.session.add(Person(key="U_OMAR", display_name="Omar", email="omar@example.org"))
    ref = _declare(client)["ref"]
    flagged = client.post(
        f"/api/v1/incidents/{ref}/timeline",
        json={
            "text": "Caller called back with the exact time",
            "at": "2026-11-23T11:55:00+00:00",
            "reported_by": "omar@example.org",
            "sensitive": True,
            "source_url": "https://cases.example.org/7",
        },
    )
    plain = client.post(f"/api/v1/incidents/{ref}/timeline", json={"text": "Police informed"})
    assert flagged.status_code == 201 and plain.status_code == 201
    assert flagged.json()["author"] == "api:hotline" and flagged.json()["sensitive"] is True
    assert flagged.json()["text"] == "Reported by omar@example.org: Caller called back with the exact time"
    assert (plain.json()["author"], plain.json()["text"]) == ("api:hotline", "Police informed")
    with domain.unit() as ctx:
        notes = [e for e in incident_to_show(ctx, ref).timeline if e.kind == "note"]
        assert [(e.author, e.text, e.sensitive, e.at.isoformat()) for e in notes] == [
            ("api:hotline", "Caller called back with the exact time", True, "2026-11-23T11:55:00+00:00"),
            ("api:hotline", "Police informed", False, "2026-11-23T12:00:00+00:00"),
        ]
        assert notes[0].data["reported_by"] == "omar@example.org", "kept beside the text, never inside it"
        assert notes[0].source_url == "https://cases.example.org/7"


def test_author_is_refused_with_a_pointer_to_reported_by(client: httpx.Client, domain: Domain) -> None:
    with domain.unit() as ctx:
        ctx.session.add(Person(key="U_OMAR", display_name="Omar", email="omar@example.org"))
    ref = _declare(client)["ref"]
    refused = client.post(f"/api/v1/incidents/{ref}/timeline", json={"text": "x", "author": "omar@example.org"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "author", "message": "author is no longer accepted: send reported_by instead."}
    ]
    too_long = client.post(f"/api/v1/incidents/{ref}/timeline", json={"text": "x", "reported_by": "a" * 201})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "reported_by"
    with domain.unit() as ctx:
        assert [e for e in incident_to_show(ctx, ref).timeline if e.kind == "note"] == []


def test_updates_move_the_status_and_set_the_next_one(client: httpx.Client, domain: Domain) -> None:
    ref = _declare(client)["ref"]
    response = client.post(
        f"/api/v1/incidents/{ref}/updates",
        json={"summary": "Account suspended", "status": "mitigated", "next_update_in_minutes": 30},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "mitigated"
    assert response.json()["next_update_due"] == "2026-11-23T12:30:00Z"
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).status == "mitigated"


def test_refusals_name_the_field(client: httpx.Client) -> None:
    ref = _declare(client)["ref"]
    cases = [
        ("/api/v1/incidents", {**DECLARE, "types": ["gossip"]}, "types"),
        ("/api/v1/incidents", {**DECLARE, "title": "Call +44 20 7946 0958 back"}, "title"),
        ("/api/v1/incidents", {**DECLARE, "severity": "SEV9"}, "severity"),
        ("/api/v1/incidents", {**DECLARE, "detected_at": "2026-11-23T11:50:00"}, "detected_at"),
        ("/api/v1/incidents", {**DECLARE, "detected_at": "2027-01-01T00:00:00Z"}, "detected_at"),
        ("/api/v1/incidents", {**DECLARE, "colour": "red"}, "colour"),
        ("/api/v1/incidents", {**DECLARE, "responders": ["not-an-email"]}, "responders.0"),
        (f"/api/v1/incidents/{ref}/timeline", {"text": "   "}, "text"),
        (f"/api/v1/incidents/{ref}/updates", {"summary": "x", "status": "closed"}, "status"),
        (f"/api/v1/incidents/{ref}/updates", {"summary": "x", "next_update_in_minutes": 0}, "next_update_in_minutes"),
    ]
    for path, body, field in cases:
        response = client.post(path, json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
    broken = client.post("/api/v1/incidents", content=b'{"title": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "body"
    missing = client.post("/api/v1/incidents", json={"title": "Only a title"})
    assert {e["field"] for e in missing.json()["errors"]} == {"types", "severity"}


def test_unknown_references_are_404(client: httpx.Client) -> None:
    for response in (
        client.get("/api/v1/incidents/INC-2026-9999"),
        client.post("/api/v1/incidents/INC-2026-9999/timeline", json={"text": "hello"}),
        client.post("/api/v1/incidents/nonsense/updates", json={"summary": "hello"}),
    ):
        assert response.status_code == 404 and response.json()["errors"][0]["field"] == "ref"


def test_reading_an_incident_shows_status_roles_clocks_and_actions(
    client: httpx.Client, domain: Domain, time_source: ManualTime
) -> None:
    ref = _declare(client)["ref"]
    with domain.unit() as ctx:
        actions.add_action(ctx, ref, actor="U_ALICE", title="Detect threats in DMs sooner", owner="U_BOB")
        clocks.start_clock(ctx, ref, actor="U_ALICE", regime="gdpr_art33")
    time_source.advance(timedelta(hours=73))
    detail = client.get(f"/api/v1/incidents/{ref.lower()}").json()
    assert (detail["ref"], detail["status"], detail["severity"], detail["tier"]) == (
        ref,
        "declared",
        "SEV1",
        "standard",
    )
    assert detail["types"] == ["threat_violence"] and detail["channel_id"] is None
    assert [a["title"] for a in detail["actions"]] == ["Detect threats in DMs sooner"]
    states = {c["regime"]: c["state"] for c in detail["clocks"]}
    assert states["gdpr_art33"] == "overdue" and states["eu_dsa_art18"] == "overdue"


def test_the_list_pages_in_order_of_change_and_filters(client: httpx.Client, time_source: ManualTime) -> None:
    refs = []
    for n in range(5):
        refs.append(_declare(client, title=f"Threat report number {n}")["ref"])
        time_source.advance(timedelta(minutes=1))
    resolved = {"summary": "Done", "status": "resolved", "confirm_open_work": True}  # its playbook steps stay open
    assert client.post(f"/api/v1/incidents/{refs[0]}/updates", json=resolved).status_code == 201
    seen, url = [], "/api/v1/incidents?limit=2"
    while url:
        page = client.get(url).json()
        seen += [i["ref"] for i in page["items"]]
        url = page["next"]
    assert seen == [*refs[1:], refs[0]]
    open_refs = [i["ref"] for i in client.get("/api/v1/incidents", params={"status": "open"}).json()["items"]]
    assert open_refs == refs[1:]
    since = client.get("/api/v1/incidents", params={"updated_since": "2026-11-23T12:03:00Z"}).json()["items"]
    assert [i["ref"] for i in since] == [refs[3], refs[4], refs[0]]
    bad = client.get("/api/v1/incidents", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    naive = client.get("/api/v1/incidents", params={"updated_since": "2026-11-23T12:03:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "updated_since"
