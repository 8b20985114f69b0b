from datetime import timedelta

import pytest

from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Severity, Status, Tier
from incidents.errors import NotFound, VigilError
from incidents.models import AuditEvent
from incidents.queries import incident_to_show
from tests.helpers import count, declared_ref


def test_acknowledge_stamps_time_and_starts_investigating(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    time_source.advance(timedelta(minutes=4))
    with domain.unit() as ctx:
        incident = lifecycle.acknowledge(ctx, ref, actor="U_BOB")
        assert incident.status is Status.INVESTIGATING
        assert incident.acknowledged_at == time_source.now()
    with pytest.raises(VigilError, match="already acknowledged"), domain.unit() as ctx:
        lifecycle.acknowledge(ctx, ref, actor="U_BOB")


def test_severity_change_needs_a_reason_and_is_kept_in_history(domain: Domain) -> None:
    ref = declared_ref(domain)
    with pytest.raises(VigilError, match="reason"), domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U_A", severity=Severity.SEV0, reason=" ")
    with pytest.raises(VigilError, match="already SEV1"), domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U_A", severity=Severity.SEV1, reason="same")
    with domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U_A", severity=Severity.SEV0, reason="second victim")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.severity is Severity.SEV0
        assert [(c.from_severity, c.to_severity) for c in incident.severity_changes] == [
            (None, Severity.SEV1),
            (Severity.SEV1, Severity.SEV0),
        ]
        assert "raised from SEV1 to SEV0: second victim" in incident.timeline[-1].text


def test_status_machine_stamps_anchors_and_refuses_bad_moves(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    time_source.advance(timedelta(minutes=10))
    with domain.unit() as ctx:
        lifecycle.change_status(ctx, ref, actor="U_A", status=Status.MITIGATED)
    time_source.advance(timedelta(minutes=10))
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_A")
    with pytest.raises(VigilError, match="can move to closed, investigating, not declared"), domain.unit() as ctx:
        lifecycle.change_status(ctx, ref, actor="U_A", status=Status.DECLARED)
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        declared = incident.declared_at
        assert incident.acknowledged_at == declared + timedelta(minutes=10)
        assert incident.mitigated_at == declared + timedelta(minutes=10)
        assert incident.resolved_at == declared + timedelta(minutes=20)


def test_resolve_directly_implies_mitigated(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        incident = lifecycle.resolve(ctx, ref, actor="U_A")
        assert incident.mitigated_at == incident.resolved_at


def test_reopen_then_close(domain: Domain) -> None:
    ref = declared_ref(domain)
    with pytest.raises(VigilError, match="Only a resolved incident"), domain.unit() as ctx:
        lifecycle.reopen(ctx, ref, actor="U_A", reason="regression")
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_A")
    with domain.unit() as ctx:
        incident = lifecycle.reopen(ctx, ref, actor="U_A", reason="the account came back")
        assert incident.status is Status.INVESTIGATING and incident.resolved_at is None
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_A")
        incident = lifecycle.close(ctx, ref, actor="U_A")
        assert incident.closed_at is not None
    with pytest.raises(VigilError, match="closed"), domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U_A", severity=Severity.SEV3, reason="later")
    with domain.unit() as ctx:
        actions = [a.action for a in ctx.session.query(AuditEvent).order_by(AuditEvent.id)]
        assert "incident.reopen" in actions and actions.count("incident.status") == 3


def test_tier_can_rise_but_not_below_the_types_floor(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        assert lifecycle.change_tier(ctx, ref, actor="U_A", tier=Tier.RESTRICTED, reason="victim named").tier is (
            Tier.RESTRICTED
        )
    child = declared_ref(domain, types=["child_safety"])
    with pytest.raises(VigilError, match="at least highly_restricted"), domain.unit() as ctx:
        lifecycle.change_tier(ctx, child, actor="U_A", tier=Tier.STANDARD, reason="oops")


def test_unknown_reference_says_what_a_reference_looks_like(domain: Domain) -> None:
    audits = count(domain, AuditEvent)
    with pytest.raises(NotFound, match="INC-<year>-<number>"), domain.unit() as ctx:
        lifecycle.acknowledge(ctx, "INC-1999-0001", actor="U_A")
    assert count(domain, AuditEvent) == audits


@pytest.mark.parametrize(
    ("parse", "value"),
    [(lifecycle.parse_severity, "SEV9"), (lifecycle.parse_status, "exploded"), (lifecycle.parse_tier, "secret")],
)
def test_parsers_explain_the_choices(parse, value: str) -> None:
    with pytest.raises(VigilError, match="use one of"):
        parse(value)


def test_record_channel_once(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        lifecycle.record_channel(ctx, incident.id, "C1")
        lifecycle.record_channel(ctx, incident.id, "C1")
        with pytest.raises(VigilError, match="already has channel"):
            lifecycle.record_channel(ctx, incident.id, "C2")


def test_concurrent_edits_of_one_incident_ask_the_later_writer_to_retry(domain: Domain, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite transactions take the write lock at BEGIN, so two writers can never interleave")
    ref = declared_ref(domain)
    with pytest.raises(VigilError, match="same moment"), domain.unit() as first:
        incident = incident_to_show(first, ref)
        with domain.unit() as second:
            lifecycle.acknowledge(second, ref, actor="U_B")
        incident.summary = "stale write"
        first.session.flush()
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).summary == ""
