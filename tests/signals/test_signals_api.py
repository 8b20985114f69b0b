"""``POST /api/v1/signals`` and ``/api/v1/alertmanager`` over HTTP: scopes, batches, repeats, errors, answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.enums import TimelineKind
from incidents.models import Incident, TimelineEntry
from incidents.signals.models import GroupState, Signal, SignalGroup
from incidents.timesource import ManualTime
from tests.api.conftest import MakeKey, client_for
from tests.signals.test_grouping import deliver
from web.server import WebServer


@pytest.fixture
def hotline(api: WebServer, make_key: MakeKey) -> Iterator[httpx.Client]:
    with client_for(api, make_key("hotline", (apikeys.SIGNALS_WRITE,))) as http:
        yield http


def call(n: int, **extra: object) -> dict[str, object]:
    return {
        "source": "hotline",
        "type": "hate_harassment",
        "subject": "@creator_7781",
        "reporter": "+44 20 7946 0958",
        "text": f"Caller {n}: a pile-on in the comments",
        "external_ref": f"call-{n}",
        "region": "EMEA",
    } | extra


def rows(domain: Domain, model: type) -> int:
    with domain.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(model)) or 0


def test_one_signal_and_a_batch_join_one_group(hotline: httpx.Client, domain: Domain, time_source: ManualTime) -> None:
    one = hotline.post("/api/v1/signals", json=call(1))
    assert one.status_code == 201, one.text
    batch = hotline.post("/api/v1/signals", json={"signals": [call(n) for n in range(2, 300)]})
    assert batch.status_code == 201, batch.text
    groups = {s["group"] for s in batch.json()["signals"]} | {one.json()["signals"][0]["group"]}
    assert len(groups) == 1
    assert {s["state"] for s in [*one.json()["signals"], *batch.json()["signals"]]} == {"waiting"}
    deliver(domain, time_source)
    assert rows(domain, Signal) == 299 and rows(domain, Incident) == 1, "past the policy's 50 in 10 minutes"
    later = hotline.post("/api/v1/signals", json=call(300)).json()["signals"][0]
    assert later["state"] == "attached" and later["incident"]


def test_a_repeat_is_answered_with_the_first_signal(hotline: httpx.Client, domain: Domain) -> None:
    first = hotline.post("/api/v1/signals", json=call(1)).json()["signals"][0]
    again = hotline.post("/api/v1/signals", json=call(1))
    assert again.status_code == 201
    assert again.json()["signals"][0] | {"repeat": False} == first | {"repeat": False}
    assert again.json()["signals"][0]["repeat"] is True
    assert rows(domain, Signal) == 1


def test_a_signals_key_may_not_declare_and_a_declaring_key_may_not_report(
    api: WebServer, make_key: MakeKey, hotline: httpx.Client
) -> None:
    declare = hotline.post(
        "/api/v1/incidents", json={"title": "Wave", "types": ["hate_harassment"], "severity": "SEV3"}
    )
    assert declare.status_code == 403
    with client_for(api, make_key("declarer", (apikeys.WRITE,))) as declarer:
        assert declarer.post("/api/v1/signals", json=call(1)).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (call(1, type="fraud"), "type"),
        (call(1, region="MARS"), "region"),
        (call(1, severity_hint="SEV9"), "severity_hint"),
        (call(1, text="x" * 4001), "text"),
        (call(1, source=""), "source"),
        ({"signals": []}, "signals"),
        ({"signals": [call(n) for n in range(501)]}, "signals"),
    ],
)
def test_bad_reports_are_refused_naming_the_field(
    hotline: httpx.Client, domain: Domain, body: dict[str, object], field: str
) -> None:
    answer = hotline.post("/api/v1/signals", json=body)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert rows(domain, Signal) == 0


def test_a_bad_call_among_concurrent_ones_is_refused_alone_naming_its_own_report(
    api: WebServer, make_key: MakeKey, domain: Domain
) -> None:
    token = make_key("hotline", (apikeys.SIGNALS_WRITE,))
    bodies = [call(n) for n in range(8)] + [{"signals": [call(20), call(21, type="fraud")]}]

    def send(body: dict[str, object]) -> httpx.Response:
        with client_for(api, token) as http:
            return http.post("/api/v1/signals", json=body)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        answers = list(pool.map(send, bodies))
    assert [a.status_code for a in answers] == [201] * 8 + [422]
    [error] = answers[-1].json()["errors"]
    assert error["field"] == "type"
    assert error["message"].startswith("signals[1].type: unknown incident type 'fraud'; use one of ")
    assert rows(domain, Signal) == 8


def test_a_life_now_report_declares_and_the_answer_hides_a_restricted_incident(
    hotline: httpx.Client, domain: Domain
) -> None:
    answer = hotline.post("/api/v1/signals", json=call(1, type="suicide_self_harm", severity_hint="life:now"))
    assert answer.status_code == 201, answer.text
    [signal] = answer.json()["signals"]
    assert signal["state"] == "attached" and signal["incident"] is None
    with domain.unit() as ctx:
        incident = ctx.session.scalars(select(Incident)).one()
        assert incident.tier.is_restricted and incident.severity.value == "SEV1"
        assert "creator" not in incident.title and "7946" not in incident.title


def test_the_same_idempotency_key_replays_the_answer(hotline: httpx.Client, domain: Domain) -> None:
    headers = {"Idempotency-Key": "ivr-7781"}
    first = hotline.post("/api/v1/signals", json=call(1, external_ref=None), headers=headers)
    again = hotline.post("/api/v1/signals", json=call(1, external_ref=None), headers=headers)
    assert again.headers.get("Vigil-Replayed") == "true" or again.json() == first.json()
    assert rows(domain, Signal) == 1


def alert(fingerprint: str, status: str = "firing", **labels: str) -> dict[str, object]:
    return {
        "status": status,
        "labels": {"alertname": "ClassifierSpike", "vigil_type": "hate_harassment", **labels},
        "annotations": {"summary": "Harassment classifier hits x40 on one creator"},
        "startsAt": "2026-11-23T11:58:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint,
    }


def webhook(
    status: str, *alerts: dict[str, object], group: str = '{}:{alertname="ClassifierSpike"}'
) -> dict[str, object]:
    return {
        "version": "4",
        "groupKey": group,
        "status": status,
        "receiver": "vigil",
        "groupLabels": {"alertname": "ClassifierSpike"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "truncatedAlerts": 0,
        "alerts": list(alerts),
    }


def test_alertmanager_groups_repeats_and_notes_resolution(hotline: httpx.Client, domain: Domain) -> None:
    firing = webhook("firing", alert("a1"), alert("a2", vigil_severity="SEV1"))
    first = hotline.post("/api/v1/alertmanager", json=firing)
    assert first.status_code == 201, first.text
    assert hotline.post("/api/v1/alertmanager", json=firing).status_code == 201  # its repeat_interval, or a retry
    assert rows(domain, Signal) == 2 and rows(domain, SignalGroup) == 1
    with domain.unit() as ctx:
        group = ctx.session.scalars(select(SignalGroup)).one()
        assert group.state is GroupState.ATTACHED
        ref = group.incident.ref if group.incident else None
    resolved = webhook("resolved", alert("a1", "resolved"), alert("a2", "resolved", vigil_severity="SEV1"))
    for _ in range(2):
        answer = hotline.post("/api/v1/alertmanager", json=resolved)
        assert answer.status_code == 201, answer.text
    with domain.unit() as ctx:
        incident = ctx.session.scalars(select(Incident).where(Incident.ref == ref)).one()
        assert incident.status.is_open, "a resolved alert never resolves the incident"
        notes = ctx.session.scalars(
            select(TimelineEntry.text).where(
                TimelineEntry.kind == TimelineKind.SIGNALS, TimelineEntry.external_id.is_not(None)
            )
        ).all()
    assert notes == ["Resolved in alertmanager: ClassifierSpike (the incident stays as it is)"] * 2


def test_alertmanager_without_a_key_is_refused(api: WebServer) -> None:
    with client_for(api, None) as anonymous:
        assert anonymous.post("/api/v1/alertmanager", json=webhook("firing", alert("a1"))).status_code == 401


def test_the_readme_example_is_accepted(hotline: httpx.Client) -> None:
    section = (Path(__file__).resolve().parents[2] / "README.md").read_text().split("\n## Signals and paging\n")[1]
    body = json.loads(re.search(r"-d '(\{.*?\})'", section, re.DOTALL).group(1))  # type: ignore[union-attr]
    answer = hotline.post("/api/v1/signals", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["signals"][0]["state"] == "waiting"
