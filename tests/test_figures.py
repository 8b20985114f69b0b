"""Median time-to-resolve per severity per month, from incidents run through the real verbs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from incidents.context import Domain
from incidents.enums import Severity
from incidents.figures import ResolveTime, resolve_time_by_severity_month
from incidents.lifecycle import change_severity, close, declare, reopen, resolve
from incidents.timesource import ManualTime


def _incident(
    domain: Domain, time_source: ManualTime, declared: datetime, severity: Severity, resolve_after: timedelta | None
) -> str:
    time_source.set(declared)
    with domain.unit() as ctx:
        ref = declare(ctx, actor="U1", title="Scam wave", types=["fraud_scam"], severity=severity).ref
    if resolve_after is not None:
        time_source.set(declared + resolve_after)
        with domain.unit() as ctx:
            resolve(ctx, ref, actor="U1")
    return ref


def _fixture(domain: Domain, time_source: ManualTime) -> None:
    h = timedelta(hours=1)
    # October, SEV1: 2 h and 4 h (the first was declared SEV2 and raised later: the current severity counts).
    raised = _incident(domain, time_source, datetime(2026, 10, 1, tzinfo=UTC), Severity.SEV2, None)
    with domain.unit() as ctx:
        change_severity(ctx, raised, actor="U1", severity=Severity.SEV1, reason="a victim was identified")
    time_source.set(datetime(2026, 10, 1, 2, tzinfo=UTC))
    with domain.unit() as ctx:
        resolve(ctx, raised, actor="U1")
    _incident(domain, time_source, datetime(2026, 10, 5, tzinfo=UTC), Severity.SEV1, 4 * h)
    # Resolved 2026-10-31 23:30 UTC: October in UTC, whatever the database session's zone.
    _incident(domain, time_source, datetime(2026, 10, 31, 23, tzinfo=UTC), Severity.SEV3, h / 2)
    # Declared in October, resolved in November: counted in November.
    _incident(domain, time_source, datetime(2026, 10, 31, 23, 45, tzinfo=UTC), Severity.SEV3, 3 * h)
    _incident(domain, time_source, datetime(2026, 11, 2, tzinfo=UTC), Severity.SEV3, 1 * h)
    _incident(domain, time_source, datetime(2026, 11, 3, tzinfo=UTC), Severity.SEV3, 10 * h)
    # Closed keeps its resolution time.
    closed = _incident(domain, time_source, datetime(2026, 11, 4, tzinfo=UTC), Severity.SEV4, h / 2)
    with domain.unit() as ctx:
        close(ctx, closed, actor="U1")
    # Still open, and resolved-then-reopened: neither is counted.
    _incident(domain, time_source, datetime(2026, 11, 5, tzinfo=UTC), Severity.SEV0, None)
    reopened = _incident(domain, time_source, datetime(2026, 11, 6, tzinfo=UTC), Severity.SEV2, h)
    with domain.unit() as ctx:
        reopen(ctx, reopened, actor="U1", reason="the account came back")


def test_median_time_to_resolve_per_severity_per_month(domain: Domain, time_source: ManualTime, backend: str) -> None:
    _fixture(domain, time_source)

    with domain.unit() as ctx:
        if backend == "postgresql":
            ctx.session.execute(text("SET LOCAL TIME ZONE 'Pacific/Auckland'"))
        rows = resolve_time_by_severity_month(ctx)

    assert rows == [
        ResolveTime(date(2026, 10, 1), Severity.SEV1, resolved=2, median=timedelta(hours=3)),
        ResolveTime(date(2026, 10, 1), Severity.SEV3, resolved=1, median=timedelta(minutes=30)),
        ResolveTime(date(2026, 11, 1), Severity.SEV3, resolved=3, median=timedelta(hours=3)),
        ResolveTime(date(2026, 11, 1), Severity.SEV4, resolved=1, median=timedelta(minutes=30)),
    ]


def test_since_keeps_incidents_resolved_from_that_moment(domain: Domain, time_source: ManualTime) -> None:
    _fixture(domain, time_source)

    with domain.unit() as ctx:
        rows = resolve_time_by_severity_month(ctx, since=datetime(2026, 11, 1, 2, 46, tzinfo=UTC))

    assert [(r.month, r.severity, r.resolved) for r in rows] == [
        (date(2026, 11, 1), Severity.SEV3, 2),
        (date(2026, 11, 1), Severity.SEV4, 1),
    ]


def test_no_resolved_incidents_gives_no_rows(domain: Domain, time_source: ManualTime) -> None:
    _incident(domain, time_source, datetime(2026, 11, 1, tzinfo=UTC), Severity.SEV1, None)

    with domain.unit() as ctx:
        assert resolve_time_by_severity_month(ctx) == []
