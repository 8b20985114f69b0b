"""The figures behind the trends page, on both databases, and the page and CSV files built from them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import httpx

from incidents import figures, lifecycle
from incidents.actions import add_action
from incidents.clocks import service as clocks
from incidents.context import Domain
from incidents.enums import ActionPriority, Severity
from incidents.timesource import ManualTime
from tests.web.conftest import SignIn
from tests.web.scenario import World

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
H = timedelta(hours=1)


def _incident(domain: Domain, time_source: ManualTime, at: datetime, severity: Severity, ack: timedelta | None,
              resolve: timedelta | None, **fields: object) -> str:  # fmt: skip
    time_source.set(at)
    with domain.unit() as ctx:
        ref = lifecycle.declare(ctx, actor="U1", title="t", severity=severity, **fields).ref  # type: ignore[arg-type]
    for delay, verb in ((ack, lifecycle.acknowledge), (resolve, lifecycle.resolve)):
        if delay is not None:
            time_source.set(at + delay)
            with domain.unit() as ctx:
                verb(ctx, ref, actor="U1")
    return ref


def test_weekly_counts_response_times_clocks_and_actions(domain: Domain, time_source: ManualTime) -> None:
    # Sunday 23:30 UTC is the week before; an incident with two types counts under each.
    _incident(domain, time_source, MONDAY - timedelta(minutes=30), Severity.SEV2, H, 2 * H, types=["fraud_scam"])
    _incident(domain, time_source, MONDAY, Severity.SEV2, 3 * H, 4 * H, types=["fraud_scam", "drugs"], region="EMEA")
    _incident(domain, time_source, MONDAY + 26 * H, Severity.SEV2, 5 * H, 10 * H, types=["drugs"], region="EMEA")
    _incident(domain, time_source, MONDAY + 50 * H, Severity.SEV1, None, None, types=["threat_violence"],
              jurisdictions=["EU"], region="AMS")  # fmt: skip
    time_source.set(MONDAY + 60 * H)
    with domain.unit() as ctx:
        since, now = MONDAY - timedelta(days=7), ctx.now()
        by_severity = figures.weekly_counts(ctx, "severity", since, now)
        by_type = figures.weekly_counts(ctx, "type", since, now)
        by_region = figures.weekly_counts(ctx, "region", since, now)
        times = figures.response_times(ctx, since)
        outcomes = figures.clock_outcomes(ctx, since, now)
        add_action(ctx, "INC-2026-0001", actor="U1", title="late", due_date=date(2026, 11, 19),
                   priority=ActionPriority.HIGH)  # fmt: skip
        add_action(ctx, "INC-2026-0001", actor="U1", title="fine", due_date=date(2026, 12, 30))
        overdue = {a.priority: (a.unfinished, a.overdue) for a in figures.overdue_actions(ctx, date(2026, 11, 20))}
    week0, week1 = MONDAY.date() - timedelta(days=7), MONDAY.date()
    assert [(c.week, c.key, c.count) for c in by_severity] == [
        (week0, "SEV2", 1),
        (week1, "SEV1", 1),
        (week1, "SEV2", 2),
    ]
    assert [(c.week, c.key, c.count) for c in by_type] == [
        (week0, "fraud_scam", 1), (week1, "drugs", 2), (week1, "fraud_scam", 1), (week1, "threat_violence", 1),
    ]  # fmt: skip
    assert [(c.key, c.count) for c in by_region if c.week == week1] == [("AMS", 1), ("EMEA", 2)]
    assert [(c.key, c.count) for c in by_region if c.week == week0] == [(figures.UNSPECIFIED, 1)]
    ack = [r for r in times if r.measure == "acknowledge"]
    assert [(r.month, r.severity, r.count, r.median, r.p90) for r in ack] == [
        (date(2026, 11, 1), Severity.SEV2, 3, 3 * H, timedelta(hours=4, minutes=36))
    ]
    resolve = [r for r in times if r.measure == "resolve"]
    assert [(r.count, r.median, r.p90) for r in resolve] == [(3, 4 * H, timedelta(hours=8, minutes=48))]
    assert [(o.regime, o.met, o.missed, o.running) for o in outcomes] == [("eu_dsa_art18", 0, 1, 0)]
    assert overdue[ActionPriority.HIGH] == (1, 1) and overdue[ActionPriority.MEDIUM] == (1, 0)


def test_a_met_clock_and_a_running_one(domain: Domain, time_source: ManualTime) -> None:
    met = _incident(
        domain, time_source, MONDAY, Severity.SEV1, None, None, types=["threat_violence"], jurisdictions=["EU"]
    )
    time_source.set(MONDAY + H / 2)
    with domain.unit() as ctx:
        clocks.satisfy_clock(ctx, met, actor="U1", regime="eu_dsa_art18", reference_id="X-1")
    _incident(
        domain, time_source, MONDAY + 2 * H, Severity.SEV1, None, None, types=["threat_violence"], jurisdictions=["EU"]
    )
    with domain.unit() as ctx:
        outcomes = figures.clock_outcomes(ctx, MONDAY, ctx.now())
    assert [(o.met, o.missed, o.running) for o in outcomes] == [(1, 0, 1)]


def test_the_trends_page_draws_counts_never_restricted_titles(sign_in: SignIn, world: World) -> None:
    page = sign_in(world.bob).get("/trends?weeks=13")
    assert page.status_code == 200
    assert page.text.count("<svg") == 8 and "<script" not in page.text
    assert "Live stream" not in page.text and world.restricted not in page.text
    assert "Time to acknowledge" in page.text and "EU DSA Art. 18" in page.text


def test_each_chart_exports_its_figures(sign_in: SignIn, world: World) -> None:
    client = sign_in(world.bob)
    weekly = client.get("/export/weekly-severity.csv?weeks=13")
    assert weekly.headers["content-type"].startswith("text/csv")
    assert "attachment" in weekly.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(weekly.text)))
    assert sum(int(r["incidents"]) for r in rows) == 3 and {r["severity"] for r in rows} == {"SEV1", "SEV2", "SEV3"}
    response = list(csv.DictReader(io.StringIO(client.get("/export/response-times.csv").text)))
    assert {r["measure"] for r in response} == {"acknowledge", "mitigate", "resolve"}
    assert client.get("/export/nonsense.csv").status_code == 404


def _csv(client: httpx.Client, chart: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(client.get(f"/export/{chart}.csv?weeks=13").text)))


def test_restricted_incidents_are_counted_for_leadership_only(sign_in: SignIn, world: World) -> None:
    outsider, leader = sign_in(world.bob), sign_in(world.lena)
    for client, restricted in ((outsider, 0), (leader, 1)):
        types = {r["type"] for r in _csv(client, "weekly-type")}
        assert ("suicide_self_harm" in types) is bool(restricted) and "threat_violence" in types
        assert sum(int(r["incidents"]) for r in _csv(client, "weekly-severity")) == 3 + restricted
        clocks = _csv(client, "clocks")
        assert sum(int(r["met"]) + int(r["missed"]) + int(r["running"]) for r in clocks) == 1 + restricted
        high = next(r for r in _csv(client, "overdue-actions") if r["priority"] == "high")
        assert int(high["unfinished"]) == restricted
    outsider_page, leader_page = outsider.get("/trends?weeks=13").text, leader.get("/trends?weeks=13").text
    assert "Suicide or self-harm" not in outsider_page and "Standard incidents only" in outsider_page
    assert "Suicide or self-harm" in leader_page and "Standard incidents only" not in leader_page
