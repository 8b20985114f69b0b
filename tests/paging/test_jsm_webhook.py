"""Jira Service Management's outgoing webhook brings acknowledgements back: the emulator's JSM webhook integration,
given the shared secret as a custom header, posts its alert actions to Vigil's served web app."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from incidents import lifecycle
from incidents.enums import Severity
from incidents.people import name_person
from incidents.queries import incident_to_show
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.paging.conftest import Account, Channel, Jsm, page_entries, pages, settle
from web.app import build_web_app
from web.jsm_webhook import SECRET_HEADER, jsm_webhook_router
from web.server import WebServer

SECRET = "jsm-webhook-secret-456"
SAM = "sam.lee@example.org"


@pytest.fixture
def hooked(jsm: Jsm, account: Account) -> Iterator[WebServer]:
    """Vigil's web app with the JSM webhook, which the emulator's webhook integration posts every action to; Vigil
    knows Sam (as the bot would have learnt him from Slack)."""
    with jsm.domain.unit() as ctx:
        name_person(ctx, "U_SAM", display_name="Sam Lee", email=SAM)
    with WebServer(build_web_app(jsm.domain, [jsm_webhook_router(jsm.domain, SECRET)])) as server:
        account.emu.jsm_subscribe(f"{server.url}/jsm/webhook", {SECRET_HEADER: SECRET})
        yield server


def _paged(jsm: Jsm, time_source: ManualTime) -> str:
    ref = declared_ref(jsm.domain, severity=Severity.SEV1)
    settle(jsm.dispatcher, time_source)
    return ref


def test_an_acknowledgement_in_jsm_reaches_the_timeline(
    jsm: Jsm, account: Account, channel: Channel, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = _paged(jsm, time_source)
    account.emu.jsm_acknowledge(f"{ref}/default", by=SAM)
    created, acknowledged = account.emu.wait_for_jsm_webhooks(2)
    assert [(w.event_type, w.outcome, w.attempts[-1].status) for w in (created, acknowledged)] == [
        ("Create", "delivered", 202),
        ("Acknowledge", "delivered", 202),
    ]
    settle(jsm.dispatcher, time_source)
    assert "Acknowledged by Sam Lee via Jira Service Management" in channel.posts
    assert [p.state for p in pages(jsm.domain)] == ["acknowledged"]
    with jsm.domain.unit() as ctx:
        assert incident_to_show(ctx, ref).acknowledged_at is not None


def test_a_responder_vigil_does_not_know_is_named_as_jsm_gives_them(
    jsm: Jsm, account: Account, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = _paged(jsm, time_source)
    account.emu.jsm_acknowledge(f"{ref}/default", by="night.shift@example.org")
    account.emu.wait_for_jsm_webhooks(2)
    assert "Acknowledged by night.shift@example.org via Jira Service Management" in page_entries(jsm.domain, ref)


def test_a_redelivered_acknowledgement_changes_nothing(
    jsm: Jsm, account: Account, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = _paged(jsm, time_source)
    account.emu.jsm_acknowledge(f"{ref}/default", by=SAM)
    _, acknowledged = account.emu.wait_for_jsm_webhooks(2)
    again = httpx.post(f"{hooked.url}/jsm/webhook", content=acknowledged.body, headers={SECRET_HEADER: SECRET})
    assert (again.status_code, again.json()) == (202, {"ok": True, "applied": False})
    assert page_entries(jsm.domain, ref).count("Acknowledged by Sam Lee via Jira Service Management") == 1


def test_closing_the_alert_in_jsm_is_noted_and_the_incident_stays_open(
    jsm: Jsm, account: Account, channel: Channel, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = _paged(jsm, time_source)
    account.emu.jsm_close(f"{ref}/default", by=SAM)
    account.emu.wait_for_jsm_webhooks(2)
    settle(jsm.dispatcher, time_source)
    assert channel.posts[-1] == (
        "The page to Trust & Safety on-call was resolved in Jira Service Management by Sam Lee; the incident stays "
        "open."
    )
    assert [p.state for p in pages(jsm.domain)] == ["resolved"]
    with jsm.domain.unit() as ctx:
        assert incident_to_show(ctx, ref).status.is_open


def test_vigils_own_close_coming_back_changes_nothing(
    jsm: Jsm, account: Account, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = _paged(jsm, time_source)
    with jsm.domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    settle(jsm.dispatcher, time_source)
    _, closed = account.emu.wait_for_jsm_webhooks(2)
    assert closed.event_type == "Close" and closed.json()["source"] == {"name": "Vigil", "type": "API"}
    assert (closed.outcome, closed.attempts[-1].status) == ("delivered", 202)
    assert not [e for e in page_entries(jsm.domain, ref) if "was resolved in" in e]


def test_unauthenticated_calls_are_refused_and_change_nothing(
    jsm: Jsm, account: Account, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = _paged(jsm, time_source)
    body = _action("Acknowledge", f"{ref}/default")
    for headers in ({}, {SECRET_HEADER: "not-the-secret"}, {SECRET_HEADER: ""}, {"Authorization": SECRET}):
        refused = httpx.post(f"{hooked.url}/jsm/webhook", content=body, headers=headers)
        assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized"})
    assert [p.state for p in pages(jsm.domain)] == ["sent"]
    assert not [e for e in page_entries(jsm.domain, ref) if e.startswith("Acknowledged")]


def test_other_actions_and_unknown_aliases_are_accepted_and_ignored(
    jsm: Jsm, account: Account, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = _paged(jsm, time_source)
    for body in (_action("AddNote", f"{ref}/default"), _action("Acknowledge", "INC-1999-0001/default")):
        answer = httpx.post(f"{hooked.url}/jsm/webhook", content=body, headers={SECRET_HEADER: SECRET})
        assert (answer.status_code, answer.json()) == (202, {"ok": True, "applied": False})
    malformed = httpx.post(f"{hooked.url}/jsm/webhook", content=b'{"action": "Close"}', headers={SECRET_HEADER: SECRET})
    assert (malformed.status_code, malformed.json()) == (400, {"error": "body has no alert object"})
    assert [p.state for p in pages(jsm.domain)] == ["sent"]


def test_without_a_secret_every_webhook_is_refused(jsm: Jsm) -> None:
    with WebServer(build_web_app(jsm.domain, [jsm_webhook_router(jsm.domain, None)])) as server:
        answer = httpx.post(
            f"{server.url}/jsm/webhook", content=_action("Acknowledge", "INC-2026-0001/default"), headers={}
        )
    assert answer.status_code == 401


def _action(action: str, alias: str) -> bytes:
    """A body shaped as JSM's alert action data."""
    alert = {
        "updatedAt": 1796302860000000000,
        "message": "INC · SEV1",
        "username": SAM,
        "alertId": "052652ac-5d1c-464a-812a-7dd18bbfba8c",
        "alias": alias,
        "tinyId": "1",
        "createdAt": 1796302800000,
    }
    return json.dumps({"source": {"name": "", "type": "web"}, "alert": alert, "action": action}).encode()
