"""Calls that arrive together are admitted and declared together; each still gets its own answer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from incidents import lifecycle
from incidents.apikeys.models import IdempotencyRecord
from incidents.context import Ctx, Domain
from incidents.lifecycle import Declaration
from incidents.models import AuditEvent, Incident
from incidents.timesource import ManualTime
from tests.api.conftest import DECLARE, MakeKey, client_for
from tests.helpers import count
from web.server import WebServer


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Send every call at the same moment, each from its own thread; answers in the calls' order."""
    barrier = threading.Barrier(len(calls), timeout=30)
    answers: list[httpx.Response | None] = [None] * len(calls)

    def send(n: int) -> None:
        barrier.wait()
        answers[n] = calls[n]()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(a is not None for a in answers)
    return answers  # type: ignore[return-value]


def test_declares_sent_together_get_their_own_incidents_and_errors(
    api: WebServer, make_key: MakeKey, domain: Domain
) -> None:
    good = [{**DECLARE, "title": f"Threat against streamer {n}"} for n in range(20)]
    unknown_commander = {**DECLARE, "commander_email": "nobody@example.org"}
    unknown_type = {**DECLARE, "types": ["gossip"]}
    bodies = [*good[:10], unknown_commander, *good[10:], unknown_type]
    with client_for(api, make_key()) as client:
        answers = at_once(
            [
                lambda body=body, n=n: client.post(
                    "/api/v1/incidents", json=body, headers={"Idempotency-Key": f"call-{n}"} if n % 2 else {}
                )
                for n, body in enumerate(bodies)
            ]
        )
    refused = {n: a for n, a in enumerate(answers) if a.status_code != 201}
    assert {n: (a.status_code, a.json()["errors"][0]["field"]) for n, a in refused.items()} == {
        10: (422, "commander_email"),
        21: (422, "types"),
    }
    created = {a.json()["ref"]: bodies[n]["title"] for n, a in enumerate(answers) if a.status_code == 201}
    assert sorted(created) == [f"INC-2026-{n:04d}" for n in range(1, 21)]  # distinct, and no gaps
    with domain.unit() as ctx:
        assert {i.ref: i.title for i in ctx.session.scalars(select(Incident))} == created
        statuses = sorted(
            e.details["status"] for e in ctx.session.scalars(select(AuditEvent)) if e.action == "api.call"
        )
    assert statuses == [201] * 20 + [422] * 2
    assert count(domain, IdempotencyRecord) == 10  # the successes sent with a key (odd n, less n=21)


def test_calls_sent_together_share_the_rate_limit_exactly(
    api: WebServer, make_key: MakeKey, time_source: ManualTime
) -> None:
    time_source.advance(timedelta(seconds=20))
    with client_for(api, make_key("ivr", rate_per_minute=5)) as client:
        answers = at_once([lambda: client.get("/api/v1/incidents") for _ in range(12)])
    assert sorted(a.status_code for a in answers) == [200] * 5 + [429] * 7
    assert {a.headers["Retry-After"] for a in answers if a.status_code == 429} == {"40"}


def test_a_batch_that_fails_whole_is_retried_call_by_call(
    api: WebServer, make_key: MakeKey, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch can fail as a whole (a deadlock, a dropped connection): it rolls back entirely and each call runs
    alone, so every caller still gets its own answer and the references keep no gap."""
    write_together = lifecycle.declare_many
    batches: list[int] = []

    def deadlocks_when_batched(ctx: Ctx, declarations: Sequence[Declaration]) -> list[Incident]:
        written = write_together(ctx, declarations)
        batches.append(len(declarations))
        if len(declarations) > 1:
            raise OperationalError("INSERT ...", {}, Exception("deadlock detected"))
        return written

    monkeypatch.setattr(lifecycle, "declare_many", deadlocks_when_batched)
    with client_for(api, make_key()) as client:
        answers = at_once([lambda: client.post("/api/v1/incidents", json=DECLARE) for _ in range(8)])
    assert max(batches) > 1  # the calls did arrive together
    assert [a.status_code for a in answers] == [201] * 8
    assert sorted(a.json()["ref"] for a in answers) == [f"INC-2026-{n:04d}" for n in range(1, 9)]
    assert count(domain, Incident) == 8
