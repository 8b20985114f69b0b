"""PagerDuty's signed v3 webhooks bring acknowledgements back: sent by the emulator to Vigil's served web app."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import httpx
import pytest

from incidents.context import Domain
from incidents.dispatcher import Dispatcher
from incidents.enums import Severity
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.paging.conftest import SECRET, Account, Channel, page_entries, pages, settle
from web.app import build_web_app
from web.pagerduty_webhook import pagerduty_webhook_router
from web.server import WebServer


@pytest.fixture
def hooked(paging: Domain, account: Account) -> Iterator[WebServer]:
    """Vigil's web app with the PagerDuty webhook, subscribed to in the emulator."""
    with WebServer(build_web_app(paging, [pagerduty_webhook_router(paging, SECRET)])) as server:
        account.emu.subscribe(f"{server.url}/pagerduty/webhook", secret=SECRET)
        yield server


def test_an_acknowledgement_in_pagerduty_reaches_the_timeline(
    paging: Domain,
    account: Account,
    dispatcher: Dispatcher,
    channel: Channel,
    time_source: ManualTime,
    hooked: WebServer,
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    account.emu.acknowledge(f"{ref}/default", by=account.sam)
    delivered = account.emu.wait_for_webhooks(2)  # triggered, acknowledged
    assert [w.outcome for w in delivered] == ["delivered", "delivered"]
    settle(dispatcher, time_source)
    assert "Acknowledged by Sam Lee via PagerDuty" in channel.posts
    assert [p.state for p in pages(paging)] == ["acknowledged"]
    with paging.unit() as ctx:
        from incidents.queries import incident_to_show

        assert incident_to_show(ctx, ref).acknowledged_at is not None


def test_a_redelivered_acknowledgement_changes_nothing(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    account.emu.acknowledge(f"{ref}/default", by=account.sam)
    [_, acknowledged] = account.emu.wait_for_webhooks(2)
    again = httpx.post(
        f"{hooked.url}/pagerduty/webhook", content=acknowledged.body, headers=_signed(acknowledged.body, SECRET)
    )
    assert (again.status_code, again.json()) == (202, {"ok": True, "applied": False})
    assert page_entries(paging, ref).count("Acknowledged by Sam Lee via PagerDuty") == 1


def test_a_bad_signature_is_refused_and_changes_nothing(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    body = _acknowledgement(f"{ref}/default")
    for headers in ({}, _signed(body, "not-the-secret"), {"X-PagerDuty-Signature": "v1=00"}):
        refused = httpx.post(f"{hooked.url}/pagerduty/webhook", content=body, headers=headers)
        assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized"})
    assert [p.state for p in pages(paging)] == ["sent"]
    assert not [e for e in page_entries(paging, ref) if e.startswith("Acknowledged")]


def test_a_rotated_secret_signs_twice_and_either_is_enough(
    paging: Domain, dispatcher: Dispatcher, time_source: ManualTime, hooked: WebServer
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    body = _acknowledgement(f"{ref}/default")
    both = (
        _signed(body, "the-new-secret")["X-PagerDuty-Signature"] + "," + _signed(body, SECRET)["X-PagerDuty-Signature"]
    )
    answer = httpx.post(f"{hooked.url}/pagerduty/webhook", content=body, headers={"X-PagerDuty-Signature": both})
    assert (answer.status_code, answer.json()) == (202, {"ok": True, "applied": True})


def test_an_unknown_key_is_accepted_and_ignored(paging: Domain, hooked: WebServer) -> None:
    body = _acknowledgement("INC-1999-0001/default")
    answer = httpx.post(f"{hooked.url}/pagerduty/webhook", content=body, headers=_signed(body, SECRET))
    assert (answer.status_code, answer.json()) == (202, {"ok": True, "applied": False})


def test_without_a_secret_every_webhook_is_refused(paging: Domain) -> None:
    with WebServer(build_web_app(paging, [pagerduty_webhook_router(paging, None)])) as server:
        body = _acknowledgement("INC-2026-0001/default")
        answer = httpx.post(f"{server.url}/pagerduty/webhook", content=body, headers=_signed(body, ""))
    assert answer.status_code == 401


def _acknowledgement(key: str) -> bytes:
    event = {
        "event": {
            "id": "01ABC",
            "event_type": "incident.acknowledged",
            "resource_type": "incident",
            "occurred_at": "2026-11-23T12:01:00.000Z",
            "agent": {"id": "PSAM", "type": "user_reference", "summary": "Sam Lee"},
            "data": {"id": "Q1", "type": "incident", "incident_key": key, "status": "acknowledged"},
        }
    }
    return json.dumps(event).encode()


def _signed(body: bytes, secret: str) -> dict[str, str]:
    return {"X-PagerDuty-Signature": "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}
