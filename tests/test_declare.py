from dataclasses import replace
from datetime import timedelta

import pytest

from incidents.context import Domain
from incidents.enums import Severity, Status, Tier, TimelineKind
from incidents.errors import VigilError
from incidents.lifecycle import Declaration, declare_many
from incidents.models import AuditEvent, Clock, Incident, RefCounter, TimelineEntry
from incidents.outbox import OutboxMessage
from incidents.queries import incident_to_show
from tests.conftest import START
from tests.helpers import count, declare, outbox_topics


def test_declare_writes_incident_commander_timeline_audit_clocks_and_side_effects(domain: Domain) -> None:
    with domain.unit() as ctx:
        incident = declare(ctx, summary="Host reported a threat", invite=["U_BOB"])
        ref = incident.ref
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert ref == "INC-2026-0001"
        assert (incident.status, incident.severity, incident.tier) == (Status.DECLARED, Severity.SEV1, Tier.STANDARD)
        assert incident.declared_at == START and incident.detected_at == START
        assert incident.commander == "U_ALICE"
        assert incident.timeline[0].kind is TimelineKind.DECLARED
        assert [c.regime for c in incident.clocks] == ["eu_dsa_art18"]
        assert incident.clocks[0].due_at == START + timedelta(hours=1)
        assert [s.to_severity for s in incident.severity_changes] == [Severity.SEV1]
    assert count(domain, AuditEvent) >= 1
    assert "incident.declared" in outbox_topics(domain)
    with domain.unit() as ctx:
        provision = ctx.session.query(OutboxMessage).filter_by(topic="incident.declared").one()
        assert provision.payload == {"invite": ["U_ALICE", "U_BOB"]}


def test_references_count_up_within_a_year_and_restart_each_year(domain: Domain, time_source) -> None:
    with domain.unit() as ctx:
        refs = [declare(ctx).ref for _ in range(3)]
    time_source.advance(timedelta(days=40))  # into 2027
    with domain.unit() as ctx:
        refs.append(declare(ctx).ref)
    assert refs == ["INC-2026-0001", "INC-2026-0002", "INC-2026-0003", "INC-2027-0001"]


def test_types_raise_the_tier_to_their_floor_and_say_so(domain: Domain) -> None:
    with domain.unit() as ctx:
        incident = declare(ctx, types=["child_safety"], tier=Tier.STANDARD, jurisdictions=["US"])
        assert incident.tier is Tier.HIGHLY_RESTRICTED
        assert any(e.kind is TimelineKind.TIER for e in incident.timeline)
        assert sorted(c.regime for c in incident.clocks) == ["us_ncmec_2258a"]


def test_without_jurisdictions_every_clock_of_the_types_starts(domain: Domain) -> None:
    with domain.unit() as ctx:
        incident = declare(ctx, types=["child_safety"], jurisdictions=[])
        assert sorted(c.regime for c in incident.clocks) == ["eu_dsa_art18", "us_ncmec_2258a"]


def test_declare_with_given_commander_and_roles(domain: Domain) -> None:
    with domain.unit() as ctx:
        incident = declare(ctx, commander="U_CAROL", roles={"legal": "U_DAN"})
        assert incident.commander == "U_CAROL"
        assert incident.current_holders("legal") == ["U_DAN"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"title": "   "}, "title", "title is required"),
        ({"title": "x" * 151}, "title", "150 characters or fewer"),
        ({"title": "Threat to jane.doe@example.com"}, "title", "e-mail"),
        ({"title": "Caller +44 20 7946 0958 threatened host"}, "title", "phone"),
        ({"title": "Caller 555-867-5309 threatened host"}, "title", "phone"),
        ({"types": []}, "types", "at least one"),
        ({"types": ["alien_invasion"]}, "types", "Unknown incident type"),
        ({"region": "MARS"}, "region", "Unknown region"),
        ({"detected_at": START + timedelta(minutes=5)}, "detected_at", "future"),
        (
            {"occurred_at": START - timedelta(hours=1), "detected_at": START - timedelta(hours=2)},
            "detected_at",
            "before it happened",
        ),
        ({"roles": {"astronaut": "U_X"}}, "role", "Unknown role"),
    ],
)
def test_bad_declares_are_refused_with_a_message_and_write_nothing(
    domain: Domain, overrides: dict, field: str, words: str
) -> None:
    with pytest.raises(VigilError) as refused, domain.unit() as ctx:
        declare(ctx, **overrides)
    assert refused.value.field == field
    assert words in refused.value.message
    for model in (Incident, TimelineEntry, AuditEvent, Clock, OutboxMessage, RefCounter):
        assert count(domain, model) == 0


def test_titles_with_dates_times_and_ids_are_fine(domain: Domain) -> None:
    with domain.unit() as ctx:
        incident = declare(ctx, title="Spike of reports since 2026-11-23 09:30 on listing 4411")
        assert incident.title.startswith("Spike")


def test_failure_after_the_reference_was_taken_leaves_no_gap(domain: Domain) -> None:
    with pytest.raises(RuntimeError), domain.unit() as ctx:
        declare(ctx)
        raise RuntimeError("crash before commit")
    with domain.unit() as ctx:
        assert declare(ctx).ref == "INC-2026-0001"


def test_declarations_written_together_take_consecutive_references(domain: Domain) -> None:
    """The intake API writes concurrent declares together; each still gets its own incident, roles and clocks."""
    first = Declaration(
        actor="api:hotline", title="Threat on stream", types=["threat_violence"], severity=Severity.SEV1
    )
    second = Declaration(actor="api:hotline", title="Grooming report", types=["child_safety"], severity=Severity.SEV0)
    with domain.unit() as ctx:
        refs = [i.ref for i in declare_many(ctx, [first, second])]
    assert refs == ["INC-2026-0001", "INC-2026-0002"]
    with domain.unit() as ctx:
        threat, grooming = (incident_to_show(ctx, ref) for ref in refs)
        assert (threat.title, threat.tier, threat.commander) == ("Threat on stream", Tier.STANDARD, "api:hotline")
        assert grooming.tier is Tier.HIGHLY_RESTRICTED  # raised by policy, and the timeline says why
        assert [e.kind for e in grooming.timeline][:2] == [TimelineKind.DECLARED, TimelineKind.TIER]
        assert [c.regime for c in threat.clocks] == ["eu_dsa_art18"]
    assert outbox_topics(domain) == ["incident.declared", "incident.declared"]


def test_a_refused_declaration_writes_nothing_of_its_batch(domain: Domain) -> None:
    good = Declaration(actor="U_ALICE", title="Threat on stream", types=["threat_violence"], severity=Severity.SEV1)
    with domain.unit() as ctx, pytest.raises(VigilError) as refused:
        declare_many(ctx, [good, replace(good, types=["gossip"])])
    assert refused.value.field == "types"
    assert count(domain, Incident) == count(domain, TimelineEntry) == count(domain, OutboxMessage) == 0
