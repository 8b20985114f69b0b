"""What an operator sees: /metrics after real traffic, /readyz, JSON logs without secrets, and a SIGTERM that
finishes the work under way and exits 0."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.dispatcher import LEASE
from incidents.observability import JsonFormatter, annotate, scope
from incidents.outbox import DONE, PENDING, OutboxMessage, Topic
from incidents.policy import load_policy
from incidents.timesource import SystemTime
from tests.bot.conftest import BotUnderTest
from tests.bot.test_tryout import VIGIL, free_port
from web.app import build_web_app
from web.server import WebServer

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base_url: str) -> Series:
    response = httpx.get(f"{base_url}/metrics", timeout=5)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(series: Series, name: str, **labels: str) -> float:
    return series.get((name, frozenset(labels.items())), 0.0)


def base_of(bot: BotUnderTest) -> str:
    assert bot.emu.http_target is not None
    return bot.emu.http_target.removesuffix("/slack/events")


def test_metrics_after_a_declare_over_http(http_bot: BotUnderTest) -> None:
    base = base_of(http_bot)
    before = scrape(base)
    http_bot.emu.fail_next("conversations.create", error="internal_error")
    http_bot.declare()
    assert httpx.get(f"{base}/api/v1/incidents", timeout=5).status_code == 401  # no API key
    after = scrape(base)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("vigil_ack_seconds_count", kind="command:declare") == 1
    assert 0 < grew("vigil_ack_seconds_sum", kind="command:declare") < 3  # Slack's deadline
    assert grew("vigil_ack_seconds_bucket", kind="command:declare", le="3.0") == 1
    declared = Topic.INCIDENT_DECLARED.value
    assert grew("vigil_outbox_deliveries_total", topic=declared, result="retry") == 1
    assert grew("vigil_outbox_deliveries_total", topic=declared, result="done") == 1
    assert grew("vigil_slack_errors_total", method="conversations.create", code="internal_error") == 1
    assert grew("vigil_api_requests_total", status="401") == 1
    assert value(after, "vigil_outbox_pending") == 0  # settled
    assert value(after, "vigil_outbox_oldest_pending_seconds") == 0
    assert ("vigil_scheduler_leader", frozenset()) in after
    assert value(after, "process_resident_memory_bytes") > 0


def test_a_pending_row_shows_in_depth_and_age(http_bot: BotUnderTest) -> None:
    with http_bot.domain.unit() as ctx:
        ctx.session.add(
            OutboxMessage(
                topic="not.a.topic.yet",  # waits: no handler delivers it, as for a newer replica's row mid-deploy
                payload={},
                state=PENDING,
                attempts=0,
                created_at=datetime(2020, 1, 1, tzinfo=UTC),
                available_at=datetime(2100, 1, 1, tzinfo=UTC),
            )
        )
    series = scrape(base_of(http_bot))
    assert value(series, "vigil_outbox_pending") == 1
    assert value(series, "vigil_outbox_oldest_pending_seconds") > 5 * 365 * 86400


def test_socket_mode_acks_are_timed_too(bot: BotUnderTest) -> None:
    with WebServer(build_web_app(bot.domain)) as operator:
        before = value(scrape(operator.url), "vigil_ack_seconds_count", kind="command:note")
        bot.declare()
        incident = bot.only_incident()
        bot.command("note Checked the queue", channel=incident.slack_channel_id)
        after = scrape(operator.url)
    assert value(after, "vigil_ack_seconds_count", kind="command:note") == before + 1
    assert value(after, "vigil_ack_seconds_count", kind="command:declare") >= 1


def test_readyz_wants_the_newest_schema(domain: Domain, tmp_path: Path) -> None:
    with WebServer(build_web_app(domain)) as server:
        ready = httpx.get(f"{server.url}/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json() == {"ok": True}

    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    unmigrated = Domain(empty, make_sessionmaker(empty), load_policy(), SystemTime())
    with WebServer(build_web_app(unmigrated)) as server:
        refused, healthy = httpx.get(f"{server.url}/readyz", timeout=5), httpx.get(f"{server.url}/healthz", timeout=5)
    empty.dispose()
    assert healthy.status_code == 200  # the database answers: alive, but not ready for traffic
    assert refused.status_code == 503
    assert refused.text.count("\n") == 0
    assert refused.json() == {"ok": False, "reason": "the database schema is not the newest: run `vigil db upgrade`"}


def test_readyz_says_when_the_database_does_not_answer(tmp_path: Path) -> None:
    gone = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    with WebServer(build_web_app(Domain(gone, make_sessionmaker(gone), load_policy(), SystemTime()))) as server:
        refused = httpx.get(f"{server.url}/readyz", timeout=5)
    assert refused.status_code == 503
    assert refused.json()["reason"].startswith("the database does not answer")


def test_json_log_lines_carry_the_scope_and_no_token() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.observability")
    logger.addHandler(handler)
    try:
        with scope(request="req-1"):
            annotate(incident="INC-2026-0001")
            answer = "boom"  # what a remote system answered: not on the line
            try:
                raise RuntimeError(answer)
            except RuntimeError:
                logger.exception("Slack refused token %s", "xoxb-1234-5678-abcdef")
        logger.warning("after the scope")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request"] == "req-1" and inside["incident"] == "INC-2026-0001"
    assert inside["level"] == "ERROR" and inside["exception"] == "RuntimeError" and "boom" not in inside["stack"]
    assert "xoxb" not in stream.getvalue() and "[redacted]" in inside["message"]
    assert "request" not in outside and "incident" not in outside


def test_an_http_request_gets_an_id(domain: Domain) -> None:
    with WebServer(build_web_app(domain)) as server:
        given = httpx.get(f"{server.url}/healthz", headers={"X-Request-Id": "lb-42"}, timeout=5)
        made = httpx.get(f"{server.url}/healthz", headers={"X-Request-Id": "not an id"}, timeout=5)
    assert given.headers["x-request-id"] == "lb-42"
    assert made.headers["x-request-id"] not in ("", "not an id")


def _serve_http(emu: SlackEmulator, tmp_path: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    environment = {
        **os.environ,
        "SLACK_BOT_TOKEN": emu.bot_token,
        "SLACK_SIGNING_SECRET": emu.signing_secret,
        "VIGIL_LOG_FORMAT": "json",
    }
    argv = [str(VIGIL), "serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
    stderr = tmp_path / "stderr"
    with stderr.open("w") as errors:
        process = subprocess.Popen(argv, env=environment, stdout=subprocess.DEVNULL, stderr=errors, cwd=tmp_path)
    return process, stderr


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _rows(domain: Domain) -> list[OutboxMessage]:
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(OutboxMessage)))


def _claimed(domain: Domain, topic: Topic) -> bool:
    """A row of ``topic`` is leased to a dispatcher: its delivery is under way."""
    soon = datetime.now(UTC) + LEASE / 2  # a lease is renewed every third of it
    return any(row.topic == topic and row.state == PENDING and row.available_at > soon for row in _rows(domain))


@pytest.mark.slow
def test_sigterm_finishes_the_delivery_under_way_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, db_url: str, domain: Domain, emu: SlackEmulator, tmp_path: Path
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_API_URL", emu.web_api_url)
    alice = emu.add_user("alice")
    general = emu.add_channel("general", members=[alice])
    port = free_port()
    process, stderr = _serve_http(emu, tmp_path, port)
    try:
        emu.wait_for(lambda: process.poll() is not None or _ready(port), timeout=60)
        assert process.poll() is None, stderr.read_text()
        emu.http_target = f"http://127.0.0.1:{port}/slack/events"
        emu.set_latency("conversations.create", 1500)  # the declare's delivery is under way when SIGTERM comes
        assert emu.slash_command(alice, general, "declare SEV2 Payments down").status == 200
        emu.wait_for(lambda: _claimed(domain, Topic.INCIDENT_DECLARED), timeout=10)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, stderr.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    now = datetime.now(UTC)
    rows = _rows(domain)
    declared = [row for row in rows if row.topic == Topic.INCIDENT_DECLARED]
    assert [row.state for row in declared] == [DONE]  # finished, not left to wait out its lease
    assert all(row.state == DONE or row.available_at <= now for row in rows)  # nothing else held back
    lines = stderr.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert any(record["message"].startswith("SIGTERM") for record in records)
    assert not any(secret in line for line in lines for secret in (emu.bot_token, emu.signing_secret))
