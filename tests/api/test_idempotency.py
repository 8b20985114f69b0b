"""A retried POST returns the first answer and changes nothing, even when 20 copies arrive at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from incidents.apikeys.models import IdempotencyRecord
from incidents.apikeys.service import IDEMPOTENCY_TTL
from incidents.context import Domain
from incidents.models import Incident, TimelineEntry
from incidents.outbox import OutboxMessage
from incidents.scheduling.runner import SchedulerRuntime
from incidents.settings import Settings
from incidents.timesource import ManualTime
from tests.api.conftest import DECLARE, MakeKey, client_for
from tests.helpers import count
from web.server import WebServer

COPIES = 20


def test_a_retry_replays_the_first_answer(client: httpx.Client, domain: Domain) -> None:
    headers = {"Idempotency-Key": "call-0007"}
    first = client.post("/api/v1/incidents", json=DECLARE, headers=headers)
    again = client.post("/api/v1/incidents", json=DECLARE, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    ref = first.json()["ref"]
    note = {"text": "Caller rang back"}
    notes = [
        client.post(f"/api/v1/incidents/{ref}/timeline", json=note, headers={"Idempotency-Key": "n1"}) for _ in "ab"
    ]
    assert notes[0].json() == notes[1].json()
    assert count(domain, Incident) == 1
    with domain.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).where(TimelineEntry.kind == "note")) == 1


def test_the_same_key_with_another_body_is_refused(client: httpx.Client, domain: Domain) -> None:
    headers = {"Idempotency-Key": "call-0008"}
    assert client.post("/api/v1/incidents", json=DECLARE, headers=headers).status_code == 201
    other = client.post("/api/v1/incidents", json={**DECLARE, "severity": "SEV0"}, headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert count(domain, Incident) == 1


def test_keys_are_per_caller_and_failures_are_not_kept(api: WebServer, make_key: MakeKey, domain: Domain) -> None:
    headers = {"Idempotency-Key": "shared"}
    with client_for(api, make_key("one")) as one, client_for(api, make_key("two")) as two:
        refused = one.post("/api/v1/incidents", json={**DECLARE, "types": ["gossip"]}, headers=headers)
        assert refused.status_code == 422
        assert one.post("/api/v1/incidents", json=DECLARE, headers=headers).status_code == 201
        assert two.post("/api/v1/incidents", json=DECLARE, headers=headers).status_code == 201
    assert count(domain, Incident) == 2


def test_twenty_copies_at_once_open_one_incident(client: httpx.Client, domain: Domain) -> None:
    barrier = threading.Barrier(COPIES, timeout=30)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def send() -> None:
        barrier.wait()
        response = client.post("/api/v1/incidents", json=DECLARE, headers={"Idempotency-Key": "ivr-retry-storm"})
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=send) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [201] * COPIES
    assert len({a.json()["ref"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == COPIES - 1
    assert count(domain, Incident) == 1
    with domain.unit() as ctx:
        declared = ctx.session.scalar(select(func.count()).where(OutboxMessage.topic == "incident.declared"))
    assert declared == 1


def test_answers_are_forgotten_after_a_day(client: httpx.Client, domain: Domain, time_source: ManualTime) -> None:
    """The scheduler's tick drops records older than 24 h; the same key then starts a new request."""
    headers = {"Idempotency-Key": "call-0009"}
    first = client.post("/api/v1/incidents", json=DECLARE, headers=headers)
    scheduler = SchedulerRuntime(domain, Settings())
    time_source.advance(IDEMPOTENCY_TTL - timedelta(minutes=1))
    scheduler.run("tick")
    assert client.post("/api/v1/incidents", json=DECLARE, headers=headers).json() == first.json()
    assert count(domain, IdempotencyRecord) == 1

    time_source.advance(timedelta(minutes=2))
    scheduler.run("tick")
    assert count(domain, IdempotencyRecord) == 0
    again = client.post("/api/v1/incidents", json=DECLARE, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json()["ref"] != first.json()["ref"]
