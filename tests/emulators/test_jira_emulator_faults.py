"""Fault injection and webhooks of the Jira emulator, seen through the real ``jira`` client."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import jira
import pytest
import requests

from emulators.jira import JiraEmulator
from emulators.jira.testing import client_for, running
from tests.emulators.webhook_receiver import Receiver, serving

FIELDS = {"project": {"key": "SAFE"}, "issuetype": {"name": "Task"}, "summary": "Rotate keys"}


@pytest.fixture
def emu() -> Iterator[JiraEmulator]:
    with running("Cloud") as emulator:
        yield emulator


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving(Receiver("/hook")) as server:
        yield server


def test_fail_next_returns_500_without_performing(emu: JiraEmulator) -> None:
    client = client_for(emu)
    emu.fail_next(2, status=500)
    for _ in range(2):
        with pytest.raises(jira.JIRAError) as err:
            client.create_issue(fields=FIELDS)
        assert err.value.status_code == 500
    assert client.create_issue(fields=FIELDS).key == "SAFE-1"
    assert [(r.status, r.fault) for r in emu.requests[1:4]] == [(500, "fail"), (500, "fail"), (201, None)]


def test_rate_limit_sends_retry_after_and_client_retries(emu: JiraEmulator) -> None:
    client = client_for(emu)
    emu.rate_limit_next(1, retry_after=7)
    with pytest.raises(jira.JIRAError) as err:
        client.create_issue(fields=FIELDS)
    assert err.value.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.text == "Rate limit exceeded."
    patient = client_for(emu, max_retries=1)
    emu.rate_limit_next(1, retry_after=0)
    started = time.monotonic()
    assert patient.create_issue(fields=FIELDS).key == "SAFE-1"
    assert time.monotonic() - started < 3  # the client slept ~1-2 s (2 * max(Retry-After, 1) * jitter)
    assert [r.status for r in emu.requests if r.method == "POST"] == [429, 429, 201]


def test_timeout_performs_the_request_but_answers_too_late(emu: JiraEmulator) -> None:
    client = client_for(emu, timeout=0.3)
    emu.timeout_next(1, seconds=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.create_issue(fields=FIELDS)
    assert list(emu.issues) == ["SAFE-1"]


def test_accept_then_drop_creates_but_never_answers(emu: JiraEmulator) -> None:
    client = client_for(emu)
    emu.accept_then_drop_next(1)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.create_issue(fields=FIELDS)
    assert list(emu.issues) == ["SAFE-1"]
    assert [(r.method, r.status, r.fault) for r in emu.requests][-1] == ("POST", None, "drop")
    assert client.issue("SAFE-1").fields.summary == "Rotate keys"


def test_go_down_refuses_connections_and_come_up_reuses_the_port(emu: JiraEmulator) -> None:
    client = client_for(emu)
    url = emu.url
    for _ in range(2):
        emu.go_down()
        with pytest.raises(requests.exceptions.ConnectionError, match="refused"):
            client.server_info()
        emu.come_up()
        assert emu.url == url
        assert client.server_info()["deploymentType"] == "Cloud"


def test_latency_applies_to_every_request(emu: JiraEmulator) -> None:
    client = client_for(emu)
    emu.latency_ms = 150
    started = time.monotonic()
    client.server_info()
    assert time.monotonic() - started >= 0.15


def test_webhooks_are_signed_and_carry_changelog(emu: JiraEmulator, receiver: Receiver) -> None:
    emu.add_webhook(receiver.url, secret="s3cret")
    client = client_for(emu)
    key = client.create_issue(fields=FIELDS).key
    client.issue(key).update(fields={"labels": ["vigil"]})
    emu.transition(key, "Done")
    deliveries = emu.wait_for_deliveries(4)
    assert [d.status for d in deliveries] == [200] * 4
    assert len(receiver.received) == 4
    for headers, raw in receiver.received:
        expected = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
        assert headers["X-Hub-Signature"] == expected
    bodies = [json.loads(raw) for _, raw in receiver.received]
    assert [b["webhookEvent"] for b in bodies] == ["jira:issue_created"] + ["jira:issue_updated"] * 3
    assert [b.get("issue_event_type_name") for b in bodies] == [
        "issue_created",
        "issue_updated",
        "issue_generic",
        "issue_generic",
    ]
    done = bodies[-1]
    assert done["issue"]["key"] == key
    assert done["issue"]["fields"]["status"]["statusCategory"]["key"] == "done"
    assert done["user"]["displayName"] == "Jira Admin"
    items = {i["field"]: (i["fromString"], i["toString"]) for i in done["changelog"]["items"]}
    assert items == {"resolution": (None, "Done"), "status": ("In Progress", "Done")}
    assert {"field", "fieldtype", "from", "fromString", "to", "toString"} <= set(done["changelog"]["items"][0])
    assert bodies[1]["changelog"]["items"][0]["toString"] == "vigil"


def test_webhook_failures_are_recorded_and_unsigned_without_secret(emu: JiraEmulator, receiver: Receiver) -> None:
    receiver.status = 503
    emu.add_webhook(receiver.url, events=["jira:issue_updated"])
    client = client_for(emu)
    key = client.create_issue(fields=FIELDS).key
    emu.update_fields(key, summary="Rotate every key")
    (delivery,) = emu.wait_for_deliveries(1)
    assert delivery.status == 503
    assert "X-Hub-Signature" not in receiver.received[0][0]
    assert delivery.json()["changelog"]["items"][0]["toString"] == "Rotate every key"
    with pytest.raises(ValueError, match="Priority name"):
        emu.update_fields(key, priority={"name": "Urgent"})
