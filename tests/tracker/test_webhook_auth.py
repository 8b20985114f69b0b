"""The webhook refuses unsigned and wrongly signed requests (401, logged) and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from emulators.jira import JiraEmulator
from incidents.context import Domain
from incidents.enums import ActionStatus
from incidents.models import Action
from incidents.timesource import ManualTime
from tests.tracker.conftest import SECRET, add_action, settle
from web.app import build_web_app
from web.jira_webhook import jira_webhook_router
from web.server import WebServer


@pytest.fixture
def server(domain: Domain) -> Iterator[WebServer]:
    with WebServer(build_web_app(domain, [jira_webhook_router(domain, SECRET)])) as web:
        yield web


@pytest.fixture
def done_body(domain: Domain, emu: JiraEmulator, dispatcher, time_source: ManualTime, incident_ref: str) -> bytes:
    """A genuine Jira delivery body saying the action's issue is Done (captured from an unreachable hook)."""
    add_action(domain, incident_ref)
    settle(dispatcher, time_source)
    [key] = emu.issues
    emu.add_webhook("http://127.0.0.1:9/unreachable")
    emu.transition(key, "Done")
    return emu.wait_for_deliveries(2)[-1].body


def status(domain: Domain) -> ActionStatus:
    with domain.unit() as ctx:
        return ctx.session.query(Action).one().status


def sign(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, ""),
        ({"X-Hub-Signature": sign("not-the-secret", b"x")}, ""),
        ({"X-Hub-Signature": "sha256=deadbeef"}, ""),
        ({}, "?secret=wrong"),
        ({"X-Hub-Signature": "sha256=\u00e9t\u00e9"}, ""),
    ],
    ids=["unsigned", "wrong-secret", "garbage-signature", "wrong-token", "non-ascii-signature"],
)
def test_refused_and_logged(
    domain: Domain,
    server: WebServer,
    done_body: bytes,
    headers: dict[str, str],
    query: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        response = requests.post(f"{server.url}/jira/webhook{query}", data=done_body, headers=headers, timeout=5)
    assert response.status_code == 401
    assert status(domain) is ActionStatus.OPEN
    [line] = [r.getMessage() for r in caplog.records]
    assert line == "refused a Jira webhook from 127.0.0.1: missing or wrong signature"


def test_wrong_secret_from_jira_itself_is_refused(
    domain: Domain, emu: JiraEmulator, server: WebServer, dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    add_action(domain, incident_ref)
    settle(dispatcher, time_source)
    [key] = emu.issues
    emu.add_webhook(f"{server.url}/jira/webhook", "stale-secret")
    emu.transition(key, "In Progress")
    [delivery] = emu.wait_for_deliveries(1)
    assert delivery.status == 401 and status(domain) is ActionStatus.OPEN


def test_no_secret_configured_refuses_everything(domain: Domain, done_body: bytes) -> None:
    with WebServer(build_web_app(domain, [jira_webhook_router(domain, None)])) as web:
        response = requests.post(
            f"{web.url}/jira/webhook", data=done_body, headers={"X-Hub-Signature": sign("", done_body)}, timeout=5
        )
    assert response.status_code == 401 and status(domain) is ActionStatus.OPEN


@pytest.mark.parametrize("how", ["hmac", "token"])
def test_signed_or_token_is_accepted(domain: Domain, server: WebServer, done_body: bytes, how: str) -> None:
    headers = {"X-Hub-Signature": sign(SECRET, done_body)} if how == "hmac" else {}
    query = f"?secret={SECRET}" if how == "token" else ""
    response = requests.post(f"{server.url}/jira/webhook{query}", data=done_body, headers=headers, timeout=5)
    assert response.status_code == 200 and status(domain) is ActionStatus.DONE


def test_not_json_is_a_bad_request(server: WebServer) -> None:
    raw = b"not json"
    response = requests.post(
        f"{server.url}/jira/webhook", data=raw, headers={"X-Hub-Signature": sign(SECRET, raw)}, timeout=5
    )
    assert response.status_code == 400
    assert json.loads(response.text) == {"error": "body is not JSON"}


def _with(raw: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    body = json.loads(raw)
    change(body)
    return json.dumps(body).encode()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def change(body: dict[str, Any]) -> None:
        for name in parents:
            body = body[name]
        body[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (_set("issue.fields.updated", "yesterday"), "issue.fields: duedate or updated is not an ISO date"),
        (_set("issue.fields.updated", "2026-11-23T15:10:51"), "issue.fields.updated: has no time zone"),
        (_set("issue.fields.updated", 1764000000), "issue.fields.updated: Input should be a valid string"),
        (_set("issue.fields.duedate", "2026-02-30"), "issue.fields: duedate or updated is not an ISO date"),
        (_set("issue.fields.status", "Done"), "issue.fields.status: Input should be a valid dictionary"),
        (_set("issue.fields.status.statusCategory.key", 3), "issue.fields.status.statusCategory.key: "),
        (_set("issue.fields.resolution", {"name": ["Done"]}), "issue.fields.resolution.name: "),
        (_set("issue.fields.labels", "vigil"), "issue.fields.labels: "),
        (_set("user", {"emailAddress": 7}), "user.emailAddress: "),
        (_set("changelog", "42"), "changelog: "),
    ],
    ids=[
        "updated-not-a-date",
        "updated-naive",
        "updated-a-number",
        "duedate-impossible",
        "status-a-string",
        "status-category-a-number",
        "resolution-a-list",
        "labels-a-string",
        "user-email-a-number",
        "changelog-a-string",
    ],
)
def test_signed_but_malformed_delivery_is_a_bad_request(
    domain: Domain,
    server: WebServer,
    done_body: bytes,
    change: Callable[[dict[str, Any]], None],
    error: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = _with(done_body, change)
    with caplog.at_level(logging.INFO):
        response = requests.post(
            f"{server.url}/jira/webhook", data=raw, headers={"X-Hub-Signature": sign(SECRET, raw)}, timeout=5
        )
    assert response.status_code == 400 and response.json()["error"].startswith(error)
    assert status(domain) is ActionStatus.OPEN
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("refused a Jira webhook from 127.0.0.1: " + error) and "SAFE-" not in line
    retry = requests.post(
        f"{server.url}/jira/webhook", data=done_body, headers={"X-Hub-Signature": sign(SECRET, done_body)}, timeout=5
    )
    assert retry.status_code == 200 and status(domain) is ActionStatus.DONE  # the refusal did not use up the delivery
