from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from incidents import figures
from incidents.clocks import service as clocks
from incidents.clocks.deadlines import add_business_days
from incidents.clocks.standing import ClockState, clock_standing
from incidents.context import Domain
from incidents.errors import NotFound, VigilError
from incidents.queries import incident_to_show
from incidents.timesource import FrozenTime, ManualTime
from tests.conftest import START
from tests.helpers import declared_ref

SECOND = timedelta(seconds=1)
EDGES = {
    "eu_dsa_art18": (ClockState.MET, timedelta(0)),
    "au_esafety_removal": (ClockState.MISSED, -SECOND),
    "us_take_it_down": (ClockState.RUNNING, timedelta(0)),
    "gdpr_art33": (ClockState.OVERDUE, -SECOND),
}
"""One clock on each edge of the rule at "now": met at its deadline, missed a second after, still running at
its deadline, overdue a second after."""


def test_satisfying_in_time_is_met_and_late_is_missed(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    time_source.advance(timedelta(minutes=30))
    with domain.unit() as ctx:
        met = clocks.satisfy_clock(ctx, ref, actor="U_LEGAL", regime="eu_dsa_art18", reference_id="EUROPOL-77")
        assert met.met is True and met.reference_id == "EUROPOL-77"
    late = declared_ref(domain)
    time_source.advance(timedelta(hours=2))
    with domain.unit() as ctx:
        assert incident_to_show(ctx, late).clocks[0].is_overdue(time_source.now())
        missed = clocks.satisfy_clock(ctx, late, actor="U_LEGAL", regime="eu_dsa_art18", reference_id="X")
        assert missed.met is False
        assert "missed" in incident_to_show(ctx, late).timeline[-1].text


def test_a_filed_cybertipline_report_starts_the_preservation_clock(domain: Domain, time_source) -> None:
    ref = declared_ref(domain, types=["child_safety"], jurisdictions=["US"])
    time_source.advance(timedelta(hours=5))
    with domain.unit() as ctx:
        parent = clocks.satisfy_clock(ctx, ref, actor="U_LEGAL", regime="us_ncmec_2258a", reference_id="CT-123")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        child = next(c for c in incident.clocks if c.regime == "us_ncmec_preservation")
        assert child.parent_id == parent.id
        assert child.trigger_at == time_source.now()
        assert child.due_at == time_source.now() + timedelta(days=365)


def test_manual_clock_with_awareness_time_and_refusals(domain: Domain, time_source) -> None:
    ref = declared_ref(domain, types=["data_breach"], jurisdictions=["EU"])
    with pytest.raises(VigilError, match="already has a running gdpr_art33"), domain.unit() as ctx:
        clocks.start_clock(ctx, ref, actor="U_A", regime="gdpr_art33")
    aware = time_source.now() - timedelta(hours=3)
    with domain.unit() as ctx:
        started = clocks.start_clock(ctx, ref, actor="U_A", regime="au_esafety_removal", trigger_at=aware)
        assert started.due_at == aware + timedelta(hours=24)
    with pytest.raises(VigilError, match="Unknown clock"), domain.unit() as ctx:
        clocks.start_clock(ctx, ref, actor="U_A", regime="martian_law")
    with pytest.raises(VigilError, match="several running clocks"), domain.unit() as ctx:
        clocks.satisfy_clock(ctx, ref, actor="U_A", reference_id="R1")
    with pytest.raises(VigilError, match="reference"), domain.unit() as ctx:
        clocks.satisfy_clock(ctx, ref, actor="U_A", regime="gdpr_art33", reference_id=" ")
    with pytest.raises(NotFound), domain.unit() as ctx:
        clocks.satisfy_clock(ctx, ref, actor="U_A", regime="us_take_it_down", reference_id="R1")


def test_brazil_business_days_skip_weekends_and_holidays() -> None:
    # Thursday 2026-11-19 10:00 in São Paulo; Friday 20 Nov is Black Consciousness Day (national since 2024).
    start = datetime(2026, 11, 19, 13, 0, tzinfo=UTC)
    due = add_business_days(start, 3, zone="America/Sao_Paulo", country="BR")
    assert due == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # Mon 23, Tue 24, Wed 25


def test_business_days_keep_local_time_across_a_dst_change() -> None:
    # Friday 2026-03-06 09:00 in New York (UTC-5); daylight saving starts on Sunday 8 March.
    start = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    due = add_business_days(start, 1, zone="America/New_York", country="US")
    assert due == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # Monday 09:00 EDT (UTC-4)


def test_business_days_across_dst_and_a_bank_holiday() -> None:
    start = datetime(2026, 10, 23, 8, 0, tzinfo=UTC)  # Fri 09:00 IST
    due = add_business_days(start, 2, zone="Europe/Dublin", country="IE")
    assert due == datetime(2026, 10, 28, 9, 0, tzinfo=UTC)  # Tue 27, Wed 28 at 09:00 GMT


def test_business_days_follow_the_countrys_own_weekend() -> None:
    # Thursday 2026-11-19 10:00 in Cairo (UTC+2): Friday and Saturday are the weekend in Egypt.
    start = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    due = add_business_days(start, 1, zone="Africa/Cairo", country="EG")
    assert due == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # Sunday 22 November


def clocks_on_the_edges(domain: Domain, time_source: ManualTime, margin: timedelta = SECOND) -> str:
    """An incident whose clocks stand as :data:`EDGES` says at ``time_source.now()``: two satisfied now, two open
    (``margin`` is how late the late ones are)."""
    now = time_source.now()
    ref = declared_ref(domain, types=["fraud_scam"], jurisdictions=[])
    with domain.unit() as ctx:
        for regime, hours, late in (
            ("eu_dsa_art18", 1, False),
            ("au_esafety_removal", 24, True),
            ("us_take_it_down", 48, False),
            ("gdpr_art33", 72, True),
        ):
            aware = now - timedelta(hours=hours) - (margin if late else timedelta(0))
            clocks.start_clock(ctx, ref, actor="U_LEGAL", regime=regime, trigger_at=aware)
        for regime in ("eu_dsa_art18", "au_esafety_removal"):
            clocks.satisfy_clock(ctx, ref, actor="U_LEGAL", regime=regime, reference_id=f"REF-{regime}")
    return ref


def test_a_clock_is_met_at_its_deadline_and_overdue_just_after(domain: Domain, time_source: ManualTime) -> None:
    ref = clocks_on_the_edges(domain, time_source)
    with domain.unit() as ctx:
        standings = {c.regime: clock_standing(c, ctx.now()) for c in incident_to_show(ctx, ref).clocks}
    assert {regime: (s.state, s.margin) for regime, s in standings.items()} == EDGES
    assert {regime for regime, s in standings.items() if s.late} == {"au_esafety_removal", "gdpr_art33"}
    assert {regime for regime, s in standings.items() if s.settled} == {"eu_dsa_art18", "au_esafety_removal"}


class Ticking(ManualTime):
    """Time that moves a millisecond at every look, as a slow declare would see it."""

    def now(self) -> datetime:
        return self.advance(timedelta(milliseconds=1))


def test_a_declare_stamps_all_its_rows_with_one_instant(domain: Domain) -> None:
    """Every row a declare writes (the incident, its clock, its timeline) carries the instant it began, however
    long it takes: it reads a FrozenTime, the production clock for one instant."""
    ticking = replace(domain, time_source=Ticking(START))
    ref = declared_ref(ticking)
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        stamps = {incident.declared_at, incident.detected_at, *(c.trigger_at for c in incident.clocks)}
        stamps |= {e.at for e in incident.timeline}
    assert len(stamps) == 1


def test_frozen_time_stands_still_and_needs_a_zone() -> None:
    moment = datetime(2026, 11, 23, 12, tzinfo=UTC)
    frozen = FrozenTime(moment)
    assert frozen.now() == frozen.now() == moment
    with pytest.raises(ValueError, match="aware"):
        FrozenTime(datetime(2026, 11, 23, 12))


@pytest.mark.parametrize("margin", [SECOND, timedelta(hours=1)])
def test_the_trends_count_clocks_by_the_same_rule(domain: Domain, time_source: ManualTime, margin: timedelta) -> None:
    """The trends' SQL counts (met / missed / running per regime) agree with clock_standing on every edge:
    missed there counts overdue clocks too."""
    ref = clocks_on_the_edges(domain, time_source, margin)
    with domain.unit() as ctx:
        now = ctx.now()
        outcomes = figures.clock_outcomes(ctx, START - timedelta(days=30), now)
        counted = {c.regime: (c.met, c.missed, c.running) for c in outcomes}
        shown = {c.regime: clock_standing(c, now).state for c in incident_to_show(ctx, ref).clocks}
    as_counts = {
        ClockState.MET: (1, 0, 0),
        ClockState.MISSED: (0, 1, 0),
        ClockState.OVERDUE: (0, 1, 0),
        ClockState.RUNNING: (0, 0, 1),
    }
    assert counted == {regime: as_counts[state] for regime, state in shown.items()}
