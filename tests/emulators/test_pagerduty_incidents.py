"""The PagerDuty emulator's REST incidents (``POST /incidents`` assigned to a user, ``GET /incidents``, ``PUT
/incidents/{id}``) through the official client, and JSM's outgoing webhooks as a receiver sees them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pagerduty
import pytest

from emulators.pagerduty import PagerDutyEmulator, Service, User
from emulators.pagerduty.testing import rest_client, running
from tests.emulators import webhook_receiver

pytestmark = pytest.mark.emulator

ALERTS = "/jsm/ops/integration/v2/alerts"


class Account:
    def __init__(self, emu: PagerDutyEmulator) -> None:
        self.emu = emu
        self.sam: User = emu.add_user("Sam Lee", "sam.lee@example.org")
        self.vigil: User = emu.add_user("Vigil", "vigil@example.org")
        self.service: Service = emu.add_service("Trust & Safety on-call")
        self.rest = rest_client(emu)

    def incident(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "incident",
            "title": "INC-1 · SEV2",
            "service": {"id": self.service.id, "type": "service_reference"},
            "incident_key": "INC-1/@sam",
            "body": {"type": "incident_body", "details": "incident: INC-1"},
            "assignments": [{"assignee": {"id": self.sam.id, "type": "user_reference"}}],
        }
        return body | overrides

    def create(self, body: dict[str, Any], sender: str | None = "vigil@example.org") -> Any:
        headers = {"From": sender} if sender is not None else {}
        return self.rest.rpost("/incidents", json={"incident": body}, headers=headers)


@pytest.fixture
def account() -> Iterator[Account]:
    with running() as emu:
        acct = Account(emu)
        yield acct
        acct.rest.close()


def refusal(account: Account, body: dict[str, Any], sender: str | None = "vigil@example.org") -> tuple[int, Any]:
    with pytest.raises(pagerduty.HttpError) as refused:
        account.create(body, sender)
    response = refused.value.response
    assert response is not None
    return response.status_code, response.json()["error"]


def test_an_incident_opened_by_hand_is_assigned_to_the_user_and_found_by_its_key(account: Account) -> None:
    created = account.create(account.incident())
    assert (created["status"], created["incident_key"], created["urgency"]) == ("triggered", "INC-1/@sam", "high")
    assert [a["assignee"]["id"] for a in created["assignments"]] == [account.sam.id]
    assert created["body"] == {"type": "incident_body", "details": "incident: INC-1"}
    [incident] = account.emu.incidents
    assert (incident.assignees, incident.created_by, incident.service) == (
        [account.sam],
        account.vigil,
        account.service,
    )

    found = account.rest.list_all("incidents", params={"incident_key": "INC-1/@sam", "statuses[]": ["triggered"]})
    assert [i["id"] for i in found] == [incident.id]
    assert account.rest.list_all("incidents", params={"incident_key": "INC-2/@sam"}) == []

    resolved = account.rest.rput(
        f"/incidents/{incident.id}",
        json={"incident": {"type": "incident_reference", "status": "resolved"}},
        headers={"From": "Vigil@Example.org"},
    )
    assert resolved["status"] == "resolved" and incident.status == "resolved"
    assert account.rest.list_all("incidents", params={"incident_key": "INC-1/@sam", "statuses[]": ["triggered"]}) == []
    assert account.create(account.incident())["status"] == "triggered", "the key is free again once resolved"


def test_a_second_open_incident_with_the_same_key_is_refused(account: Account) -> None:
    account.create(account.incident())
    status, error = refusal(account, account.incident(title="again"))
    assert (status, error["code"], error["errors"]) == (
        400,
        2001,
        ["Open incident with key 'INC-1/@sam' already exists."],
    )
    assert len(account.emu.incidents) == 1


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("not an incident", {"type": "alert"}, "incident type"),
    ("no title", {"title": " "}, "Title"),
    ("unknown service", {"service": {"id": "PNOPE00", "type": "service_reference"}}, "service"),
    ("not a service reference", {"service": {"id": "PNOPE00"}}, "service"),
    ("urgency", {"urgency": "urgent"}, "urgency"),
    ("unknown assignee", {"assignments": [{"assignee": {"id": "PNOPE00", "type": "user_reference"}}]}, "assignee"),
    ("assignee and policy", {"escalation_policy": {"id": "P1", "type": "escalation_policy_reference"}}, "both"),
]


@pytest.mark.parametrize(("fields", "named"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_an_invalid_incident_is_refused_naming_the_problem(
    account: Account, fields: dict[str, Any], named: str
) -> None:
    status, error = refusal(account, account.incident(**fields))
    assert (status, error["message"], error["code"]) == (400, "Invalid Input Provided", 2001)
    assert any(named in e for e in error["errors"]) and account.emu.incidents == []


@pytest.mark.parametrize("sender", [None, "", "stranger@example.org"], ids=["no From", "empty From", "unknown From"])
def test_a_write_needs_a_from_header_naming_a_user(account: Account, sender: str | None) -> None:
    status, error = refusal(account, account.incident(), sender)
    assert status == 400 and "From header" in error["errors"][0] and account.emu.incidents == []


def test_jsm_webhooks_carry_alert_action_data_and_the_integrations_headers(account: Account) -> None:
    emu = account.emu
    genie = {"Authorization": f"GenieKey {emu.jsm_api_key}"}
    with webhook_receiver.serving(webhook_receiver.Receiver()) as receiver:
        emu.jsm_subscribe(receiver.url, {"X-Vigil-Webhook-Secret": "s3cret"}, actions=["Acknowledge", "Close"])
        with httpx.Client(base_url=emu.url, verify=emu.ssl_context(), headers=genie) as jsm:
            assert jsm.post(ALERTS, json={"message": "INC-1 · SEV1", "alias": "INC-1/default"}).status_code == 202
            emu.jsm_acknowledge("INC-1/default", by="sam.lee@example.org")
            assert jsm.post(f"{ALERTS}/INC-1%2Fdefault/close", params={"identifierType": "alias"}).status_code == 202
        done = emu.wait_for_jsm_webhooks(2)
    assert [w.event_type for w in done] == ["Acknowledge", "Close"], "Create is not forwarded by this integration"
    (ack_headers, ack_raw), (_, close_raw) = receiver.received
    assert ack_headers["X-Vigil-Webhook-Secret"] == "s3cret" and ack_headers["Content-Type"] == "application/json"
    ack, close = json.loads(ack_raw), json.loads(close_raw)
    alert = emu.jsm_alert("INC-1/default")
    assert ack["action"] == "Acknowledge" and ack["source"] == {"name": "", "type": "web"}
    assert ack["alert"]["alias"] == "INC-1/default" and ack["alert"]["alertId"] == alert.id
    assert ack["alert"]["username"] == "sam.lee@example.org" and ack["alert"]["tinyId"] == alert.tiny_id
    assert len(str(ack["alert"]["updatedAt"])) == 19 and len(str(ack["alert"]["createdAt"])) == 13
    assert ack["integrationId"] == done[0].subscription.id and ack["integrationName"] == "Webhook"
    assert close["action"] == "Close" and close["source"] == {"name": "Vigil", "type": "API"}
    assert close["alert"]["username"] == "Vigil"
