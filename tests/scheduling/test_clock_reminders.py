"""Regulatory clocks: reminders at the configured offsets before the deadline (skipping offsets that fall before
the clock started), one overdue escalation to the commander and legal, nothing once satisfied; business-day
deadlines across time zones and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incidents.clocks import service as clocks
from incidents.clocks.deadlines import add_business_days
from incidents.context import Domain
from incidents.enums import Severity
from incidents.errors import ConfigError
from incidents.scheduling.config import SchedulingSettings
from incidents.settings import load_settings
from tests.conftest import START
from tests.helpers import declared_ref
from tests.scheduling.conftest import Seen, Ticker

H = timedelta(hours=1)


def _breach(domain: Domain) -> str:
    """A data breach in the EU: the GDPR 72-hour clock starts at awareness (now), owned by legal."""
    return declared_ref(
        domain,
        title="Exposed support export",
        types=["data_breach"],
        severity=Severity.SEV3,
        roles={"legal": "U_LEGAL", "deputy": "U_DEP"},
    )


def _clock_nudges(seen: list[Seen]) -> list[tuple[str, datetime, tuple[str, ...]]]:
    return [(n.kind, n.due_at, n.recipients) for n in seen if n.kind.startswith("clock")]


def test_reminders_at_half_time_a_day_before_and_an_hour_before_then_one_escalation(
    domain: Domain, ticker: Ticker
) -> None:
    _breach(domain)
    due = START + 72 * H
    assert _clock_nudges(ticker(36 * H - timedelta(minutes=1))) == []
    assert _clock_nudges(ticker(timedelta(minutes=1))) == [("clock_reminder", START + 36 * H, ("U_LEGAL",))]
    assert _clock_nudges(ticker(11 * H)) == []
    assert _clock_nudges(ticker(H)) == [("clock_reminder", due - 24 * H, ("U_LEGAL",))]
    assert _clock_nudges(ticker(23 * H)) == [("clock_reminder", due - H, ("U_LEGAL",))]
    assert _clock_nudges(ticker(H)) == []  # due now, not yet overdue
    assert _clock_nudges(ticker(timedelta(seconds=1))) == [("clock_overdue", due, ("U_ALICE", "U_LEGAL"))]
    assert _clock_nudges(ticker(48 * H)) == []  # escalated once


def test_after_an_outage_only_the_latest_reminder_goes_out(domain: Domain, ticker: Ticker) -> None:
    _breach(domain)
    assert [n.due_at for n in ticker(50 * H) if n.kind == "clock_reminder"] == [START + 48 * H]


def test_an_overdue_clock_escalates_without_stale_reminders(domain: Domain, ticker: Ticker) -> None:
    declared_ref(domain, severity=Severity.SEV1, roles={"legal": "U_LEGAL"})  # EU DSA Art. 18: 1 hour
    seen = ticker(2 * H)
    assert _clock_nudges(seen) == [("clock_overdue", START + H, ("U_ALICE", "U_LEGAL"))]
    assert [n.due_at for n in ticker.all() if n.kind == "clock_reminder"] == []


def test_reminder_points_for_a_one_hour_clock(domain: Domain, ticker: Ticker) -> None:
    declared_ref(domain, severity=Severity.SEV1, roles={"legal": "U_LEGAL"})
    # 50% is 12:30; "24h before" and "1h before" fall at or before the start and are skipped.
    assert _clock_nudges(ticker(30 * timedelta(minutes=1))) == [("clock_reminder", START + H / 2, ("U_LEGAL",))]
    assert _clock_nudges(ticker(29 * timedelta(minutes=1))) == []


def test_a_satisfied_clock_is_quiet_and_its_chained_clock_reminds(domain: Domain, ticker: Ticker) -> None:
    ref = declared_ref(
        domain,
        title="Apparent CSAM in listing photos",
        types=["child_safety"],
        jurisdictions=["US"],
        roles={"legal": "U_LEGAL"},
        severity=Severity.SEV1,
    )
    ticker(3 * H)
    with ticker.domain.unit() as ctx:
        clocks.satisfy_clock(ctx, ref, actor="U_LEGAL", regime="us_ncmec_2258a", reference_id="CT-1")
    assert _clock_nudges(ticker(30 * H)) == []
    halfway = START + 3 * H + 4380 * H  # the year-long preservation period, half gone
    assert _clock_nudges(ticker(halfway - ticker.time_source.now())) == [("clock_reminder", halfway, ("U_LEGAL",))]


def test_custom_offsets_and_refusals() -> None:
    config = SchedulingSettings(clock_reminders=["75%", "2d", "30m"])
    assert [o.elapsed or o.before for o in config.offsets] == [0.75, timedelta(days=2), timedelta(minutes=30)]
    with pytest.raises(ConfigError, match=r"VIGIL_SCHEDULING\.clock_reminders.*'soon' is not a reminder offset"):
        load_settings(scheduling={"clock_reminders": ["soon"]})
    with pytest.raises(ConfigError, match="between 0% and 100%"):
        load_settings(scheduling={"clock_reminders": ["150%"]})


# Business days: counted on the regime's local calendar, keeping the local wall-clock time.


def test_business_days_count_from_the_local_date_not_the_utc_date() -> None:
    # 01:00 UTC Friday 20 Nov is still Thursday 22:00 in São Paulo; Friday is a national holiday there.
    due = add_business_days(datetime(2026, 11, 20, 1, 0, tzinfo=UTC), 3, zone="America/Sao_Paulo", country="BR")
    assert due == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Wednesday 25 Nov 22:00 local


def test_business_days_starting_on_a_local_saturday_across_the_autumn_change() -> None:
    # Friday 23:30 UTC is already Saturday 00:30 in London (BST); the clocks go back on Sunday.
    due = add_business_days(datetime(2026, 10, 23, 23, 30, tzinfo=UTC), 1, zone="Europe/London", country="GB")
    assert due == datetime(2026, 10, 26, 0, 30, tzinfo=UTC)  # Monday 00:30 GMT


def test_business_days_across_the_spring_change_late_in_the_evening() -> None:
    # Saturday 04:30 UTC is Friday 23:30 in New York (EST); daylight saving starts on Sunday 8 March.
    due = add_business_days(datetime(2026, 3, 7, 4, 30, tzinfo=UTC), 1, zone="America/New_York", country="US")
    assert due == datetime(2026, 3, 10, 3, 30, tzinfo=UTC)  # Monday 23:30 EDT


def test_business_days_skip_thanksgiving() -> None:
    due = add_business_days(datetime(2026, 11, 25, 15, 0, tzinfo=UTC), 1, zone="America/New_York", country="US")
    assert due == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_a_deadline_on_a_wall_time_the_clock_change_skips_lands_after_the_gap() -> None:
    # Egypt moves its clocks forward at 00:00 on Friday 24 April 2026; 00:30 that day does not exist.
    start = datetime(2026, 4, 22, 22, 30, tzinfo=UTC)  # Thursday 00:30 EET
    due = add_business_days(start, 1, zone="Africa/Cairo", country=None)
    assert due == start + 24 * H  # shown as 01:30 EEST: never earlier than the wall time asked for
