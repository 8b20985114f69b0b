"""The edges of ``vigil serve --http`` that anyone can reach: bodies are capped on every route, Slack requests
that are not Slack's or not Slack payloads are refused with 401/400 (never 500), and each refusal is one log line
without the body, the verification token or the response_url."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import pytest
import requests

from bot.app import build_app
from bot.http import SLACK_EVENTS_PATH
from emulators.slack import SlackEmulator
from emulators.slack.http_mode import sign
from incidents.context import Domain
from incidents.settings import Settings
from vigil.http_app import create_http_app
from web.body_limit import MAX_BODY_BYTES
from web.server import WebServer

SIGNING_SECRET = "edge-signing-secret"
TOKEN = "verification-token-XYZ"
RESPONSE_URL = "https://hooks.slack.com/commands/T1/1/secret-response-url"
MARKER = "PRIVATE-BODY-TEXT"
COMMAND = urlencode(
    {"token": TOKEN, "command": "/incident", "text": f"declare {MARKER}", "response_url": RESPONSE_URL}
).encode()


@pytest.fixture
def app_url(emu: SlackEmulator, domain: Domain, db_url: str) -> Iterator[str]:
    """Everything ``vigil serve --http`` answers: Slack, the Jira webhook, the intake API and the web pages."""
    settings = Settings(
        database_url=db_url,
        slack_bot_token=emu.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emu.web_api_url,
        jira_webhook_secret="hook-secret",
        oidc_client_id=emu.client_id,
        oidc_client_secret=emu.client_secret,
        web_session_secret="s" * 40,
    )
    with WebServer(create_http_app(build_app(settings, domain), domain, settings)) as server:
        yield server.url


def signed(body: bytes, *, secret: str = SIGNING_SECRET, age: int = 0, **headers: str) -> dict[str, str]:
    stamp = str(int(time.time()) - age)
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(secret, stamp, body),
        "Content-Type": "application/x-www-form-urlencoded",
    } | headers


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def assert_one_clean_line(caplog: pytest.LogCaptureFixture, starts: str) -> None:
    lines = logged(caplog)
    assert len(lines) == 1 and lines[0].startswith(starts), lines
    for secret in (MARKER, TOKEN, RESPONSE_URL, "secret-response-url"):
        assert secret not in lines[0]


@pytest.mark.parametrize("path", [SLACK_EVENTS_PATH, "/jira/webhook", "/web/signout"])
def test_a_body_over_the_cap_is_refused_on_every_route(
    app_url: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = (MARKER * (8 * 1024 * 1024 // len(MARKER))).encode()
    with caplog.at_level(logging.INFO):
        response = requests.post(app_url + path, data=body, headers=signed(body), timeout=30)
    assert response.status_code == 413
    assert "larger than 1 MiB" in response.text and MARKER not in response.text
    assert_one_clean_line(caplog, f"refused a request to {path} from 127.0.0.1: body too large (Content-Length")


def test_a_streamed_body_is_cut_off_at_the_cap(app_url: str, caplog: pytest.LogCaptureFixture) -> None:
    chunk = (MARKER * 4096).encode()

    def stream() -> Iterator[bytes]:
        for _ in range(4 * MAX_BODY_BYTES // len(chunk)):
            yield chunk

    with caplog.at_level(logging.INFO):
        response = requests.post(app_url + "/jira/webhook", data=stream(), timeout=30)  # chunked: no Content-Length
    assert response.status_code == 413
    assert_one_clean_line(caplog, "refused a request to /jira/webhook from 127.0.0.1: body too large")
    streamed = int(logged(caplog)[0].split("(")[1].split()[0])
    assert MAX_BODY_BYTES < streamed < 2 * MAX_BODY_BYTES  # stopped reading soon after the cap, of the 4 MiB sent


def test_a_body_under_the_cap_is_served(app_url: str) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c" * (MAX_BODY_BYTES // 2)}).encode()
    response = requests.post(app_url + SLACK_EVENTS_PATH, data=body, headers=signed(body), timeout=30)
    assert response.status_code == 200 and response.json()["challenge"] == "c" * (MAX_BODY_BYTES // 2)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [  # built when the test runs: a signature made at collection is stale in a suite longer than five minutes
        (lambda: signed(COMMAND, secret="not-the-signing-secret"), "missing or wrong signature"),
        (lambda: signed(COMMAND, age=600), "stale timestamp"),
        (lambda: {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}, "missing or malformed timestamp"),
        (
            lambda: {"X-Slack-Request-Timestamp": "9" * 5000, "X-Slack-Signature": "v0=00"},
            "missing or malformed timestamp",
        ),
        (lambda: signed(COMMAND, **{"X-Slack-Signature": "v0=\u00e9\u00e9"}), "missing or wrong signature"),
        (lambda: {}, "missing or malformed timestamp"),
    ],
    ids=["wrong-secret", "stale", "non-numeric-timestamp", "huge-timestamp", "non-ascii-signature", "unsigned"],
)
def test_requests_that_are_not_slacks_are_refused_in_one_clean_line(
    app_url: str, headers: Callable[[], dict[str, str]], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="vigil.bolt"), caplog.at_level(logging.INFO):
        response = requests.post(app_url + SLACK_EVENTS_PATH, data=COMMAND, headers=headers(), timeout=5)
    assert response.status_code == 401 and response.json() == {"error": "unauthorized"}
    assert_one_clean_line(caplog, "refused a Slack request from 127.0.0.1: " + reason)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=" + MARKER.encode(), "application/x-www-form-urlencoded"),
        (urlencode({"payload": json.dumps([MARKER])}).encode(), "application/x-www-form-urlencoded"),
        (urlencode({"payload": json.dumps(MARKER)}).encode(), "application/x-www-form-urlencoded"),
        (json.dumps([MARKER]).encode(), "application/json"),
        (b"{" + MARKER.encode(), "application/json"),
        (b"[" * 100_000, "application/json"),
        (MARKER.encode() + b"\xff\xfe", "application/x-www-form-urlencoded"),
    ],
    ids=["payload-not-json", "payload-list", "payload-string", "json-list", "json-broken", "json-deep", "not-utf8"],
)
def test_signed_bodies_that_are_not_slack_payloads_are_bad_requests(
    app_url: str, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = requests.post(
            app_url + SLACK_EVENTS_PATH, data=body, headers=signed(body, **{"Content-Type": content_type}), timeout=5
        )
    assert response.status_code == 400
    assert response.json() == {"error": "the body is not a Slack payload"}
    assert_one_clean_line(caplog, "refused a Slack request from 127.0.0.1: the body is not a Slack payload")
