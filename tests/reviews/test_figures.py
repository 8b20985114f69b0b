"""Metrics computed from the incident's record: spans with anchors, update cadence, clocks, severity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidents import lifecycle, timeline
from incidents.clocks.standing import ClockState
from incidents.context import Domain
from incidents.enums import Severity
from incidents.queries import incident_to_show
from incidents.reviews import figures
from incidents.timesource import ManualTime
from tests.reviews.scenario import REF


def test_scenario_metrics(domain: Domain, time_source: ManualTime, incident_ref: str) -> None:
    with domain.unit() as ctx:
        measured = figures.compute(incident_to_show(ctx, REF), ctx.now(), first_update_minutes=240)
    durations = {s.key: s.duration for s in measured.spans}
    assert durations == {
        "detect": timedelta(minutes=22),
        "declare": timedelta(minutes=18),
        "acknowledge": timedelta(minutes=4),
        "mitigate": timedelta(minutes=65),
        "resolve": timedelta(hours=3),
    }
    assert (measured.cadence.kept, measured.cadence.missed, measured.cadence.pending) == (2, 1, 0)
    assert measured.cadence.worst_delay == timedelta(minutes=25)
    assert measured.cadence.missed_dues == (datetime(2026, 11, 23, 14, 5, tzinfo=UTC),)
    [dsa] = measured.clocks
    assert (dsa.state, dsa.margin) == (ClockState.MET, timedelta(minutes=7))
    assert (measured.peak_severity, measured.final_severity) == (Severity.SEV1, Severity.SEV1)


def test_open_incident_has_pending_update_running_clock_and_no_resolution(
    domain: Domain, time_source: ManualTime
) -> None:
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx, actor="U0RITA", title="Threat to a host", types=["threat_violence"], severity=Severity.SEV1
        ).ref
        timeline.post_update(ctx, ref, actor="U0RITA", summary="Assessing")
    time_source.advance(timedelta(minutes=20))
    with domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U0RITA", severity=Severity.SEV2, reason="threat not credible")
        measured = figures.compute(incident_to_show(ctx, ref), ctx.now())
    assert {s.key: s.duration for s in measured.spans}["resolve"] is None
    assert (measured.cadence.kept, measured.cadence.missed, measured.cadence.pending) == (0, 0, 1)
    assert [(c.state, c.margin) for c in measured.clocks] == [(ClockState.RUNNING, timedelta(minutes=40))]
    assert (measured.peak_severity, measured.final_severity) == (Severity.SEV1, Severity.SEV2)
    time_source.advance(timedelta(hours=2))
    with domain.unit() as ctx:
        late = figures.compute(incident_to_show(ctx, ref), ctx.now())
    assert (late.cadence.missed, late.cadence.worst_delay) == (1, timedelta(minutes=80))
    assert late.clocks[0].state is ClockState.OVERDUE


def test_update_due_after_resolution_is_not_counted(domain: Domain, time_source: ManualTime) -> None:
    with domain.unit() as ctx:
        ref = lifecycle.declare(ctx, actor="U0RITA", title="Spam", types=["fraud_scam"], severity=Severity.SEV2).ref
        timeline.post_update(ctx, ref, actor="U0RITA", summary="Blocking")
    time_source.advance(timedelta(minutes=30))
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U0RITA")
    time_source.advance(timedelta(days=1))
    with domain.unit() as ctx:
        cadence = figures.compute(incident_to_show(ctx, ref), ctx.now()).cadence
    assert (cadence.kept, cadence.missed, cadence.pending) == (0, 0, 0)
