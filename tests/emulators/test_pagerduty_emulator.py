"""The PagerDuty (and JSM alerts) emulator, driven through the official ``pagerduty`` client and httpx."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pagerduty
import pytest

from emulators.pagerduty import PagerDutyEmulator
from emulators.pagerduty.testing import events_client, rest_client, running
from tests.emulators import webhook_receiver

pytestmark = pytest.mark.emulator

JSM_ALERTS = "/jsm/ops/integration/v2/alerts"


def answer_of(err: pytest.ExceptionInfo[pagerduty.HttpError]) -> httpx2.Response:
    """The response a client error carries (``HttpError`` always has one)."""
    response: httpx2.Response | None = err.value.response
    assert response is not None
    return response


class Account:
    """The emulator plus the objects most tests need: two people on a two-level policy behind one service."""

    def __init__(self, emu: PagerDutyEmulator) -> None:
        self.emu = emu
        self.alice = emu.add_user("Alice Agent", "alice@example.com")
        self.bob = emu.add_user("Bob Backup", "bob@example.com")
        self.policy = emu.add_escalation_policy("Trust & Safety")
        emu.set_on_call(self.policy, [self.alice], level=1)
        emu.set_on_call(self.policy, [self.bob], level=2)
        self.service = emu.add_service("Vigil", escalation_policy=self.policy)
        self.events = events_client(emu, self.service.integration_key)
        self.http = httpx.Client(base_url=emu.url, verify=emu.ssl_context(), timeout=5)

    def enqueue(self, body: Any, raw: bytes | None = None) -> httpx.Response:
        """POST an event as-is (no client-side checks), as a sloppy integration would."""
        if raw is not None:
            return self.http.post("/v2/enqueue", content=raw, headers={"Content-Type": "application/json"})
        return self.http.post("/v2/enqueue", json=body)

    def trigger_body(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "routing_key": self.service.integration_key,
            "event_action": "trigger",
            "dedup_key": "INC-1",
            "payload": {"summary": "Spam wave", "source": "vigil", "severity": "critical"},
        }
        return body | overrides


@pytest.fixture
def account() -> Iterator[Account]:
    with running() as emu:
        acct = Account(emu)
        yield acct
        acct.http.close()


# Events API v2 ---------------------------------------------------------------------------------------------


def test_trigger_deduplicates_on_open_incident_and_acknowledge_resolve_change_status(account: Account) -> None:
    emu, events = account.emu, account.events
    details, links = {"incident": "INC-1", "sev": 1}, [{"href": "https://vigil.example/INC-1", "text": "Vigil"}]
    key = events.trigger("Spam wave", "vigil", dedup_key="INC-1", severity="error", custom_details=details, links=links)
    assert key == "INC-1"
    assert events.trigger("Spam wave, again", "vigil", dedup_key="INC-1") == "INC-1"
    [incident] = emu.incidents
    assert (incident.status, incident.summary, incident.severity) == ("triggered", "Spam wave", "error")
    assert incident.custom_details == details and incident.links == links
    assert [e.action for e in incident.events] == ["trigger", "trigger"]
    assert incident.assignees == [account.alice]

    events.acknowledge("INC-1")
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", None)
    events.resolve("INC-1")
    assert emu.incident("INC-1").status == "resolved"
    assert [e.action for e in incident.events] == ["trigger", "trigger", "acknowledge", "resolve"]

    assert events.trigger("Spam wave returns", "vigil", dedup_key="INC-1") == "INC-1"
    assert [(i.number, i.status) for i in emu.incidents] == [(1, "resolved"), (2, "triggered")]


def test_acknowledge_and_resolve_of_unknown_key_are_accepted_and_change_nothing(account: Account) -> None:
    assert account.events.resolve("never-triggered") == "never-triggered"
    assert account.events.acknowledge("never-triggered") == "never-triggered"
    assert account.emu.incidents == []


def test_trigger_without_dedup_key_gets_a_generated_one(account: Account) -> None:
    first, second = account.events.trigger("A", "vigil"), account.events.trigger("B", "vigil")
    assert len(first) == 32 and int(first, 16) >= 0 and first != second
    assert [i.dedup_key for i in account.emu.incidents] == [first, second]


def test_dedup_keys_are_per_service(account: Account) -> None:
    other = account.emu.add_service("Other", escalation_policy=account.policy)
    account.events.trigger("A", "vigil", dedup_key="same")
    events_client(account.emu, other.integration_key).trigger("B", "vigil", dedup_key="same")
    assert [i.service.name for i in account.emu.incidents] == ["Vigil", "Other"]


def test_success_answer_is_202_with_pagerduty_body(account: Account) -> None:
    response = account.enqueue(account.trigger_body())
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "INC-1"}


def _without_payload_field(name: str) -> dict[str, Any]:
    payload = {"summary": "Spam wave", "source": "vigil", "severity": "critical"}
    del payload[name]
    return {"payload": payload}


def _payload(**fields: Any) -> dict[str, Any]:
    return {"payload": {"summary": "Spam wave", "source": "vigil", "severity": "critical"} | fields}


INVALID_EVENTS: list[tuple[str, dict[str, Any], str]] = [
    ("no routing key", {"routing_key": None}, "'routing_key' is missing"),
    ("short routing key", {"routing_key": "abc123"}, "Length of 'routing_key'"),
    ("symbols in routing key", {"routing_key": "-" * 32}, "'routing_key' cannot contain"),
    ("routing key not a string", {"routing_key": 12345}, "'routing_key' must be a string"),
    ("unknown routing key", {"routing_key": "0" * 32}, "Invalid routing key"),
    ("no action", {"event_action": None}, "'event_action' is missing"),
    ("unknown action", {"event_action": "snooze"}, "'event_action' is invalid"),
    ("acknowledge without key", {"event_action": "acknowledge", "dedup_key": None}, "'dedup_key' is missing"),
    ("resolve without key", {"event_action": "resolve", "dedup_key": None}, "'dedup_key' is missing"),
    ("dedup key too long", {"dedup_key": "k" * 256}, "'dedup_key' is too long"),
    ("dedup key not a string", {"dedup_key": 7}, "'dedup_key' must be a string"),
    ("no payload", {"payload": None}, "'payload' is missing"),
    ("payload not an object", {"payload": "Spam wave"}, "'payload' must be an object"),
    ("no summary", _without_payload_field("summary"), "'payload.summary' is missing"),
    ("summary too long", _payload(summary="s" * 1025), "'payload.summary' is too long"),
    ("no source", _without_payload_field("source"), "'payload.source' is missing"),
    ("blank source", _payload(source="  "), "'payload.source' is missing"),
    ("no severity", _without_payload_field("severity"), "'payload.severity' is missing"),
    ("unknown severity", _payload(severity="fatal"), "'payload.severity' is invalid"),
    ("bad timestamp", _payload(timestamp="yesterday"), "'payload.timestamp' is invalid"),
    ("component not a string", _payload(component=3), "'payload.component' must be a string"),
    ("details not an object", _payload(custom_details=["a"]), "'payload.custom_details' must be an object"),
    ("links not a list", {"links": {"href": "https://x"}}, "'links' must be an array"),
    ("link without href", {"links": [{"text": "x"}]}, "'links[0].href' is missing"),
    ("image without src", {"images": [{"alt": "x"}]}, "'images[0].src' is missing"),
    ("client not a string", {"client": 1}, "'client' must be a string"),
]


@pytest.mark.parametrize(("body", "error"), [c[1:] for c in INVALID_EVENTS], ids=[c[0] for c in INVALID_EVENTS])
def test_each_validation_rule_answers_400_naming_the_field(account: Account, body: dict[str, Any], error: str) -> None:
    event = {k: v for k, v in account.trigger_body(**body).items() if v is not None}
    response = account.enqueue(event)
    assert response.status_code == 400
    answer = response.json()
    assert (answer["status"], answer["message"]) == ("invalid event", "Event object is invalid")
    assert any(e.startswith(error) for e in answer["errors"]), answer["errors"]
    assert account.emu.incidents == []


def test_every_failure_is_reported_at_once(account: Account) -> None:
    answer = account.enqueue({"routing_key": "x!", "event_action": "trigger", "payload": {}}).json()
    assert [e.split("'")[1] for e in answer["errors"]] == [
        "routing_key",
        "routing_key",
        "payload.summary",
        "payload.source",
        "payload.severity",
    ]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", "\u00e9".encode("latin-1")])
def test_a_body_that_is_not_a_json_object_is_400(account: Account, raw: bytes) -> None:
    response = account.enqueue(None, raw=raw)
    assert response.status_code == 400
    assert response.json()["status"] == "invalid event"


def test_limits_are_inclusive(account: Account) -> None:
    body = account.trigger_body(dedup_key="k" * 255, payload=_payload(summary="s" * 1024)["payload"])
    body["payload"] |= {"timestamp": "2026-11-23T12:00:00.000+0000", "component": "db", "class": "spam"}
    assert account.enqueue(body).status_code == 202


def test_the_client_raises_on_400(account: Account) -> None:
    with pytest.raises(pagerduty.HttpError) as err:
        account.events.trigger("Spam wave", "vigil", severity="fatal")
    assert answer_of(err).status_code == 400


def test_rate_limit_is_per_routing_key_over_a_sliding_window(account: Account) -> None:
    emu = account.emu
    assert emu.limiter.limit == 120 and emu.limiter.window == 60
    emu.rate_limit(3, window=0.5)
    for n in range(3):
        account.events.trigger("Spam", "vigil", dedup_key=f"k{n}")
    refused = account.enqueue(account.trigger_body(dedup_key="k3"))
    assert refused.status_code == 429
    assert refused.json()["status"] == "throttle event"
    with pytest.raises(pagerduty.HttpError) as err:
        account.events.trigger("Spam", "vigil", dedup_key="k3")
    assert answer_of(err).status_code == 429
    other = emu.add_service("Other", escalation_policy=account.policy)
    events_client(emu, other.integration_key).trigger("Elsewhere", "vigil")
    time.sleep(0.55)
    account.events.trigger("Spam", "vigil", dedup_key="k3")
    assert len(emu.incidents) == 5


def test_default_limit_is_120_events_a_minute(account: Account) -> None:
    statuses = [account.enqueue(account.trigger_body()).status_code for _ in range(121)]
    assert statuses == [202] * 120 + [429]


# REST API v2 -----------------------------------------------------------------------------------------------


def test_rest_requires_the_api_token(account: Account) -> None:
    for headers in ({}, {"Authorization": "Token token=wrong"}, {"Authorization": f"Bearer {account.emu.api_token}"}):
        response = account.http.get("/users", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"error": {"message": "Authentication failed", "code": 2006}}
    with pytest.raises(pagerduty.HttpError, match="401"):
        rest_client(account.emu, token="not-the-token").rget("/users")
    plain = account.http.get("/users", headers={"Authorization": f"Token token={account.emu.api_token}"})
    assert plain.status_code == 200  # the vnd.pagerduty Accept header is allowed, not required


def test_users_through_the_client(account: Account) -> None:
    rest = rest_client(account.emu)
    user = rest.rget(f"/users/{account.alice.id}")
    assert user["type"] == "user"
    assert (user["id"], user["name"], user["email"], user["summary"]) == (
        account.alice.id,
        "Alice Agent",
        "alice@example.com",
        "Alice Agent",
    )
    assert user["html_url"].endswith(f"/users/{account.alice.id}")
    assert user["self"] == f"{account.emu.url}/users/{account.alice.id}"
    with pytest.raises(pagerduty.HttpError) as err:
        rest.rget("/users/PNOSUCH")
    assert answer_of(err).status_code == 404
    assert answer_of(err).json()["error"]["code"] == 2100


def test_classic_pagination(account: Account) -> None:
    for n in range(28):
        account.emu.add_user(f"Person {n}", f"p{n}@example.com")
    headers = {"Authorization": f"Token token={account.emu.api_token}"}

    def get(**params: Any) -> httpx.Response:
        return account.http.get("/users", params=params, headers=headers)

    first = get().json()
    assert (len(first["users"]), first["limit"], first["offset"], first["more"], first["total"]) == (
        25,
        25,
        0,
        True,
        None,
    )
    last = get(offset=25, total="true").json()
    assert (len(last["users"]), last["more"], last["total"]) == (5, False, 30)
    assert get(limit=500).json()["limit"] == 100
    assert get(query="alice").json()["users"][0]["id"] == account.alice.id
    for params in ({"limit": "many"}, {"offset": 9950, "limit": 100}, {"limit": 0}):
        response = get(**params)
        assert response.status_code == 400 and response.json()["error"]["code"] == 2001
    assert len(rest_client(account.emu).list_all("users")) == 30


def test_oncalls_filters(account: Account) -> None:
    emu = account.emu
    carol = emu.add_user("Carol Cover", "carol@example.com")
    nights = emu.add_schedule("Nights")
    other = emu.add_escalation_policy("Fraud")
    emu.set_on_call(other, [carol, account.bob], schedule=nights)
    rest = rest_client(emu)

    mine = rest.list_all("oncalls", params={"escalation_policy_ids[]": [account.policy.id]})
    assert [(o["user"]["id"], o["escalation_level"], o["schedule"]) for o in mine] == [
        (account.alice.id, 1, None),
        (account.bob.id, 2, None),
    ]
    entry = mine[0]
    assert entry["user"]["type"] == "user_reference" and entry["user"]["summary"] == "Alice Agent"
    assert entry["escalation_policy"] == {
        "id": account.policy.id,
        "type": "escalation_policy_reference",
        "summary": "Trust & Safety",
        "self": f"{emu.url}/escalation_policies/{account.policy.id}",
        "html_url": f"{emu.state.web_url}/escalation_policies/{account.policy.id}",
    }
    assert (entry["start"], entry["end"]) == (None, None)

    by_schedule = rest.list_all("oncalls", params={"schedule_ids": [nights.id]})  # the client appends "[]"
    assert {o["user"]["id"] for o in by_schedule} == {carol.id, account.bob.id}
    assert all(o["schedule"]["id"] == nights.id and o["start"] and o["end"] for o in by_schedule)
    bobs = rest.list_all("oncalls", params={"user_ids[]": [account.bob.id]})
    assert sorted(o["escalation_policy"]["id"] for o in bobs) == sorted([account.policy.id, other.id])
    both = rest.list_all("oncalls", params={"user_ids[]": [account.bob.id], "escalation_policy_ids[]": [other.id]})
    assert [(o["user"]["id"], o["escalation_policy"]["id"]) for o in both] == [(account.bob.id, other.id)]
    assert len(rest.list_all("oncalls")) == 4


def test_from_service_to_its_escalation_policy_and_who_is_on_call(account: Account) -> None:
    rest = rest_client(account.emu)
    [service] = rest.list_all("services")
    assert (service["id"], service["name"], service["type"]) == (account.service.id, "Vigil", "service")
    policy_ref = rest.rget(f"/services/{account.service.id}")["escalation_policy"]
    assert (policy_ref["id"], policy_ref["type"]) == (account.policy.id, "escalation_policy_reference")
    policy = rest.rget(f"/escalation_policies/{policy_ref['id']}")
    assert [[t["id"] for t in r["targets"]] for r in policy["escalation_rules"]] == [
        [account.alice.id],
        [account.bob.id],
    ]
    oncalls = rest.list_all("oncalls", params={"escalation_policy_ids[]": [policy_ref["id"]]})
    assert [o["user"]["summary"] for o in oncalls if o["escalation_level"] == 1] == ["Alice Agent"]
    with pytest.raises(pagerduty.HttpError):
        rest.rget("/services/PNOSUCH")


# webhooks v3 -----------------------------------------------------------------------------------------------


class Receiver(webhook_receiver.Receiver):
    """The shared webhook endpoint at ``/pagerduty``, reading the v3 envelopes it was sent."""

    def __init__(self) -> None:
        super().__init__("/pagerduty")

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(raw)["event"] for _, raw in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver.serving(Receiver()) as server:
        yield server


def verify(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    """Vigil's side of PagerDuty's signature check: any ``v1=`` signature matching the secret's HMAC."""
    expected = "v1=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s.strip()) for s in headers["X-PagerDuty-Signature"].split(","))


def test_acknowledgement_in_pagerduty_comes_back_as_a_signed_webhook(account: Account, receiver: Receiver) -> None:
    emu = account.emu
    subscription = emu.subscribe(receiver.url, secret="s3cret")
    account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    emu.acknowledge("INC-1", by=account.alice)
    account.events.resolve("INC-1")
    webhooks = emu.wait_for_webhooks(3)
    assert [w.outcome for w in webhooks] == ["delivered"] * 3
    assert [e["event_type"] for e in receiver.events()] == [
        "incident.triggered",
        "incident.acknowledged",
        "incident.resolved",
    ]
    for headers, raw in receiver.received:
        assert verify("s3cret", headers, raw)
        assert not verify("other", headers, raw)
        assert headers["Content-Type"] == "application/json"
        assert headers["User-Agent"] == "PagerDuty-Webhook/V3.0"
        assert headers["X-Webhook-Subscription"] == subscription.id
    assert len({h["X-Webhook-Id"] for h, _ in receiver.received}) == 3

    triggered, acknowledged, resolved = receiver.events()
    assert acknowledged["resource_type"] == "incident" and acknowledged["client"] is None
    assert acknowledged["occurred_at"].endswith("Z")
    assert acknowledged["agent"] == {
        "id": account.alice.id,
        "type": "user_reference",
        "summary": "Alice Agent",
        "self": f"{emu.url}/users/{account.alice.id}",
        "html_url": f"{emu.state.web_url}/users/{account.alice.id}",
    }
    data = acknowledged["data"]
    incident = emu.incident("INC-1")
    assert (data["id"], data["type"], data["number"], data["status"]) == (incident.id, "incident", 1, "acknowledged")
    assert (data["incident_key"], data["title"], data["urgency"], data["priority"]) == (
        "INC-1",
        "Spam wave",
        "high",
        None,
    )
    assert data["service"]["id"] == account.service.id and data["service"]["type"] == "service_reference"
    assert data["escalation_policy"]["id"] == account.policy.id
    assert [a["id"] for a in data["assignees"]] == [account.alice.id]
    assert incident.acknowledged_by == account.alice
    # Events API changes are made by the service's integration, not by a person:
    assert triggered["agent"]["type"] == resolved["agent"]["type"] == "service_reference"
    assert triggered["data"]["status"] == "triggered" and resolved["data"]["status"] == "resolved"


def test_an_events_api_acknowledge_is_announced_too(account: Account, receiver: Receiver) -> None:
    account.emu.subscribe(receiver.url, secret="s", events=["incident.acknowledged"])
    account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    account.events.acknowledge("INC-1")
    account.events.acknowledge("INC-1")  # already acknowledged: no second announcement
    account.events.trigger("Other wave", "vigil", dedup_key="INC-2")
    account.events.acknowledge("INC-2")  # delivered after anything the second acknowledge had sent
    first, second = account.emu.wait_for_webhooks(2)
    assert first.json()["event"]["agent"]["id"] == account.service.id
    assert [webhook.json()["event"]["data"]["incident_key"] for webhook in (first, second)] == ["INC-1", "INC-2"]
    assert len(receiver.received) == 2


def test_escalate_moves_to_the_next_level(account: Account, receiver: Receiver) -> None:
    emu = account.emu
    emu.subscribe(receiver.url, secret="s", events=["incident.escalated"])
    account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    emu.acknowledge("INC-1", by=account.alice)
    emu.escalate("INC-1")
    incident = emu.incident("INC-1")
    assert (incident.status, incident.escalation_level, incident.assignees) == ("triggered", 2, [account.bob])
    [webhook] = emu.wait_for_webhooks(1)
    event = webhook.json()["event"]
    assert (event["event_type"], event["agent"]) == ("incident.escalated", None)
    assert [a["id"] for a in event["data"]["assignees"]] == [account.bob.id]
    with pytest.raises(ValueError, match="Cannot Escalate"):
        emu.escalate(incident)


def test_subscription_filter_by_service(account: Account, receiver: Receiver) -> None:
    other = account.emu.add_service("Other", escalation_policy=account.policy)
    account.emu.subscribe(receiver.url, service=other)
    account.events.trigger("Not for the receiver", "vigil")
    events_client(account.emu, other.integration_key).trigger("For the receiver", "vigil")
    [webhook] = account.emu.wait_for_webhooks(1)
    assert webhook.json()["event"]["data"]["title"] == "For the receiver"


def test_secret_rotation_signs_with_both_secrets(account: Account, receiver: Receiver) -> None:
    emu = account.emu
    subscription = emu.subscribe(receiver.url, secret="old")
    emu.rotate_secret(subscription, "new")
    account.events.trigger("Spam wave", "vigil")
    emu.wait_for_webhooks(1)
    [(headers, raw)] = receiver.received
    assert headers["X-PagerDuty-Signature"].count("v1=") == 2
    assert verify("new", headers, raw) and verify("old", headers, raw)
    emu.rotate_secret(subscription, "newer", keep_old=False)
    account.events.resolve(emu.incidents[0].dedup_key)
    emu.wait_for_webhooks(2)
    headers, raw = receiver.received[1]
    assert verify("newer", headers, raw) and not verify("new", headers, raw)


def test_failed_deliveries_are_retried_in_order_with_the_same_webhook_id(account: Account, receiver: Receiver) -> None:
    emu = account.emu
    emu.subscribe(receiver.url, secret="s")
    receiver.statuses = [500, 503, 429]
    account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    emu.acknowledge("INC-1", by=account.alice)
    first, second = emu.wait_for_webhooks(2)
    assert [(d.attempt, d.status) for d in first.attempts] == [(1, 500), (2, 503), (3, 429), (4, 200)]
    assert first.outcome == second.outcome == "delivered"
    assert [d.status for d in emu.deliveries] == [500, 503, 429, 200, 200]
    ids = [h["X-Webhook-Id"] for h, _ in receiver.received]
    assert ids == [first.id] * 4 + [second.id]  # the second waited for the first, as PagerDuty orders them


def test_a_4xx_is_not_retried(account: Account, receiver: Receiver) -> None:
    account.emu.subscribe(receiver.url)
    receiver.statuses = [410]
    account.events.trigger("Spam wave", "vigil")
    [webhook] = account.emu.wait_for_webhooks(1)
    assert (webhook.outcome, [d.status for d in webhook.attempts]) == ("dropped", [410])


def test_an_unreachable_receiver_gets_five_attempts(account: Account) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    account.emu.subscribe(f"http://127.0.0.1:{port}/gone")
    account.events.trigger("Spam wave", "vigil")
    [webhook] = account.emu.wait_for_webhooks(1)
    assert webhook.outcome == "gave up"
    assert [(d.status, d.error is not None) for d in webhook.attempts] == [(None, True)] * 5


# faults ----------------------------------------------------------------------------------------------------


def test_fail_next_applies_to_its_route_only(account: Account) -> None:
    emu, rest = account.emu, rest_client(account.emu)
    emu.fail_next(2, status=503, route="/v2/enqueue")
    assert rest.rget(f"/users/{account.alice.id}")["id"] == account.alice.id
    for _ in range(2):
        with pytest.raises(pagerduty.ServerHttpError) as err:
            account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
        assert answer_of(err).status_code == 503
    assert emu.incidents == []
    account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    assert [(r.path, r.status, r.fault) for r in emu.requests] == [
        (f"/users/{account.alice.id}", 200, None),
        ("/v2/enqueue", 503, "fail"),
        ("/v2/enqueue", 503, "fail"),
        ("/v2/enqueue", 202, None),
    ]
    emu.fail_next(1, status=500)
    response = account.http.get("/users", headers={"Authorization": f"Token token={emu.api_token}"})
    assert response.status_code == 500 and response.json()["error"]["code"] == 2000


def test_the_clients_own_retries_cover_a_503(account: Account) -> None:
    patient = events_client(account.emu, account.service.integration_key, retries=True)
    assert patient.retry == {500: 2, 502: 4, 503: 6, 504: 6}
    patient.sleep_timer = 0.01
    account.emu.fail_next(2, status=503)
    assert patient.trigger("Spam wave", "vigil", dedup_key="INC-1") == "INC-1"
    assert [r.status for r in account.emu.requests] == [503, 503, 202]


def test_a_lost_answer_still_opens_the_incident_and_a_retry_is_deduplicated(account: Account) -> None:
    emu = account.emu
    emu.lose_answer_next(1, route="/v2/enqueue")
    with pytest.raises(pagerduty.Error) as err:
        account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    assert err.value.response is None
    assert len(emu.incidents) == 1
    account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    [incident] = emu.incidents
    assert len(incident.events) == 2
    assert [(r.status, r.fault) for r in emu.requests] == [(None, "lose"), (202, None)]


def test_random_faults_fail_or_lose_a_seeded_share_of_their_route_after_queued_ones(account: Account) -> None:
    emu = account.emu
    emu.fail_randomly(0.3, 0.2, seed=7, route="/v2/enqueue")
    emu.fail_next(1, status=503, route="/v2/enqueue")
    for n in range(40):
        with contextlib.suppress(pagerduty.Error):
            account.events.trigger("Spam wave", "vigil", dedup_key=f"INC-{n}")
    rest_client(emu).rget(f"/users/{account.alice.id}")
    events = [r for r in emu.requests if r.path == "/v2/enqueue"]
    assert (events[0].status, events[0].fault) == (503, "fail")
    faults = Counter(r.fault for r in events[1:])
    assert faults["fail"] >= 5 and faults["lose"] >= 3 and faults[None] >= 10, faults
    assert len(emu.incidents) == faults["lose"] + faults[None]  # a lost answer was processed, a failure was not
    assert [r.fault for r in emu.requests if r.path != "/v2/enqueue"] == [None]
    emu.fail_randomly(0)
    assert account.events.trigger("Spam wave", "vigil", dedup_key="INC-last") == "INC-last"


def test_a_slow_answer_times_the_client_out_after_processing(account: Account) -> None:
    account.events.timeout = 0.2  # type: ignore[assignment]  # the client declares an int; httpx takes a float
    account.emu.delay_next(1, seconds=0.5)
    with pytest.raises(pagerduty.Error):
        account.events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    assert len(account.emu.incidents) == 1


def test_the_request_log_holds_no_keys_or_bodies(account: Account) -> None:
    account.events.trigger("Secret summary", "vigil")
    rest_client(account.emu).rget(f"/users/{account.alice.id}")
    account.http.post(
        JSM_ALERTS, json={"message": "m"}, headers={"Authorization": f"GenieKey {account.emu.jsm_api_key}"}
    )
    logged = repr(account.emu.requests)
    for secret in (account.service.integration_key, account.emu.api_token, account.emu.jsm_api_key, "Secret summary"):
        assert secret not in logged


def test_go_down_refuses_connections_and_come_up_reuses_the_port(account: Account) -> None:
    emu, rest = account.emu, rest_client(account.emu)
    url = emu.url
    for _ in range(2):
        emu.go_down()
        with pytest.raises(pagerduty.Error) as err:
            rest.rget(f"/users/{account.alice.id}")
        assert "refused" in repr(err.value.__cause__).lower()
        with pytest.raises(pagerduty.Error):
            account.events.trigger("Spam wave", "vigil")
        emu.come_up()
        assert emu.url == url
        assert rest.rget(f"/users/{account.alice.id}")["id"] == account.alice.id
    assert emu.incidents == []


# Jira Service Management alerts ----------------------------------------------------------------------------


@pytest.fixture
def jsm(account: Account) -> httpx.Client:
    account.http.headers["Authorization"] = f"GenieKey {account.emu.jsm_api_key}"
    return account.http


def _status(jsm: httpx.Client, request_id: str) -> dict[str, Any]:
    response = jsm.get(f"{JSM_ALERTS}/requests/{request_id}")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()["data"]
    return data


def test_jsm_create_deduplicate_acknowledge_close(account: Account, jsm: httpx.Client) -> None:
    body = {
        "message": "Spam wave",
        "alias": "INC-1",
        "description": "Reports are up 40x",
        "responders": [{"name": "Trust & Safety", "type": "team"}, {"username": "a@example.com", "type": "user"}],
        "tags": ["vigil", "sev1"],
        "details": {"incident": "INC-1"},
        "extraProperties": {"sev": 1},
        "entity": "reports",
        "source": "vigil",
        "note": "Declared in Slack",
        "visibleTo": [{"name": "Trust & Safety", "type": "team"}],
    }
    created = jsm.post(JSM_ALERTS, json=body)
    assert created.status_code == 202
    answer = created.json()
    assert answer["result"] == "Request will be processed" and isinstance(answer["took"], float)
    status = _status(jsm, answer["requestId"])
    [alert] = account.emu.jsm_alerts
    assert status == {
        "success": True,
        "action": "Create",
        "processedAt": status["processedAt"],
        "integrationId": account.emu.jsm_integration.id,
        "isSuccess": True,
        "status": "Created alert",
        "alertId": alert.id,
        "alias": "INC-1",
    }
    assert (alert.priority, alert.details, alert.count) == ("P3", {"incident": "INC-1", "sev": "1"}, 1)

    again = jsm.post(JSM_ALERTS, json={"message": "Spam wave", "alias": "INC-1", "priority": "P1"}).json()
    assert _status(jsm, again["requestId"])["alertId"] == alert.id
    assert (len(account.emu.jsm_alerts), alert.count) == (1, 2)

    ack = jsm.post(f"{JSM_ALERTS}/INC-1/acknowledge", params={"identifierType": "alias"}, json={"user": "alice"})
    assert ack.status_code == 202 and _status(jsm, ack.json()["requestId"])["status"] == "Acknowledged alert"
    assert (alert.acknowledged, alert.owner) == (True, "alice")
    closed = jsm.post(f"{JSM_ALERTS}/INC-1/close", params={"identifierType": "alias"})
    assert _status(jsm, closed.json()["requestId"])["action"] == "Close"
    assert alert.status == "closed"

    reopened = jsm.post(JSM_ALERTS, json={"message": "Spam wave returns", "alias": "INC-1"}).json()
    assert _status(jsm, reopened["requestId"])["alertId"] != alert.id


def test_jsm_actions_on_missing_alerts_fail_in_the_request_status(jsm: httpx.Client) -> None:
    response = jsm.post(f"{JSM_ALERTS}/nope/close", params={"identifierType": "alias"}, json={"note": "x"})
    assert response.status_code == 202
    status = _status(jsm, response.json()["requestId"])
    assert (status["success"], status["isSuccess"], status["status"]) == (False, False, "Alert does not exist")
    unknown = jsm.get(f"{JSM_ALERTS}/requests/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404 and "requestId" in unknown.json()
    bad_type = jsm.post(f"{JSM_ALERTS}/nope/close", params={"identifierType": "name"})
    assert bad_type.status_code == 422 and "identifierType" in bad_type.json()["errors"]


JSM_INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("no message", {}, "message"),
    ("blank message", {"message": " "}, "message"),
    ("message too long", {"message": "m" * 131}, "message"),
    ("alias too long", {"alias": "a" * 513}, "alias"),
    ("description too long", {"description": "d" * 15001}, "description"),
    ("unknown priority", {"priority": "P0"}, "priority"),
    ("responder type", {"responders": [{"name": "x", "type": "group"}]}, "responders"),
    ("anonymous responder", {"responders": [{"type": "team"}]}, "responders"),
    ("team by username", {"responders": [{"username": "x", "type": "team"}]}, "responders"),
    ("tags not strings", {"tags": [1]}, "tags"),
    ("details not an object", {"details": ["x"]}, "details"),
    ("visible to a schedule", {"visibleTo": [{"name": "x", "type": "schedule"}]}, "visibleTo"),
]


@pytest.mark.parametrize(("fields", "field"), [c[1:] for c in JSM_INVALID], ids=[c[0] for c in JSM_INVALID])
def test_jsm_validation_answers_422_naming_the_field(
    account: Account, jsm: httpx.Client, fields: dict[str, Any], field: str
) -> None:
    body = {"message": "Spam wave"} | fields if field != "message" else fields
    response = jsm.post(JSM_ALERTS, json=body)
    assert response.status_code == 422
    answer = response.json()
    assert field in answer["errors"] and answer["message"] and "requestId" in answer and "took" in answer
    assert account.emu.jsm_alerts == []


def test_jsm_limits_are_inclusive(jsm: httpx.Client) -> None:
    body = {"message": "m" * 130, "alias": "a" * 512, "description": "d" * 15000, "priority": "P5"}
    assert jsm.post(JSM_ALERTS, json=body).status_code == 202


def test_jsm_wants_a_valid_enabled_genie_key(account: Account) -> None:
    http, emu = account.http, account.emu
    assert http.post(JSM_ALERTS, json={"message": "m"}).status_code == 401
    wrong = http.post(JSM_ALERTS, json={"message": "m"}, headers={"Authorization": "GenieKey not-a-key"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "Could not authenticate"
    as_token = http.post(JSM_ALERTS, json={"message": "m"}, headers={"Authorization": f"Token token={emu.jsm_api_key}"})
    assert as_token.status_code == 401
    disabled = emu.add_jsm_integration("Old", enabled=False)
    refused = http.post(JSM_ALERTS, json={"message": "m"}, headers={"Authorization": f"GenieKey {disabled.api_key}"})
    assert refused.status_code == 403
    assert emu.jsm_alerts == []


def test_jsm_shares_the_fault_plan(account: Account, jsm: httpx.Client) -> None:
    account.emu.fail_next(1, status=503, route="/jsm/")
    response = jsm.post(JSM_ALERTS, json={"message": "m"})
    assert response.status_code == 503 and "requestId" in response.json()
    assert account.emu.jsm_alerts == []
    assert jsm.post(JSM_ALERTS, json={"message": "m"}).status_code == 202
