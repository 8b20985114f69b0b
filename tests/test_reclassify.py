"""Reclassifying an incident: a change of its types or jurisdictions starts the clocks and adds the playbook steps
they call for (never one twice), goes on the timeline with its reason, and reaches leadership as structured facts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Severity, Status, Tier, TimelineKind
from incidents.errors import VigilError
from incidents.models import AuditEvent
from incidents.queries import incident_to_show
from incidents.reviews import Audience, Format, load_templates, render_review
from incidents.tasks import service as tasks
from incidents.timesource import ManualTime
from tests.conftest import START
from tests.helpers import declared_ref
from tests.test_cli import Run, one_line
from tests.test_cli import vigil as vigil  # the fixture

REASON = "The reporter says the account holder is 14"
NCMEC = "US 18 U.S.C. 2258A report to NCMEC"


def _scam(domain: Domain, **overrides: Any) -> str:
    """A highly restricted scam known to concern the US, detected two hours before it was declared."""
    fields: dict[str, Any] = {
        "title": "Gift-card scam aimed at a teenage host",
        "types": ["fraud_scam"],
        "tier": Tier.HIGHLY_RESTRICTED,
        "jurisdictions": ["US"],
        "detected_at": START - timedelta(hours=2),
    }
    return declared_ref(domain, **{**fields, **overrides})


def test_a_scam_reclassified_as_child_safety_gets_its_clocks_and_playbook_once(
    domain: Domain, time_source: ManualTime
) -> None:
    ref = _scam(domain)
    time_source.advance(timedelta(hours=1))
    with domain.unit() as ctx:
        assert tasks.list_tasks(ctx, ref)[1] == [] and incident_to_show(ctx, ref).clocks == []
        done = lifecycle.reclassify(ctx, ref, actor="U_BOB", types=["child_safety"], reason=REASON)
        assert done.change == "types fraud_scam → child_safety"
    steps = [s.key for s in domain.policy.playbooks["child_safety"].steps]
    with domain.unit() as ctx:
        incident, listed = tasks.list_tasks(ctx, ref)
        assert incident.type_names == ["child_safety"] and incident.tier is Tier.HIGHLY_RESTRICTED
        assert [(t.playbook, t.step_key) for t in listed] == [("child_safety", key) for key in steps]
        [ncmec] = incident.clocks  # the EU clock child safety starts does not apply to a US-only incident
        assert (ncmec.regime, ncmec.trigger_at, ncmec.aware_by) == (
            "us_ncmec_2258a",
            START + timedelta(hours=1),  # awareness of child safety: the reclassification, not the detection
            "U_BOB",
        )
        since_declare = [(e.kind, e.author, e.text) for e in incident.timeline[1:]]
        assert since_declare == [
            (TimelineKind.CLASSIFICATION, "U_BOB", f"Reclassified (types fraud_scam → child_safety): {REASON}"),
            (TimelineKind.CLOCK, "U_BOB", f"Clock started: {NCMEC}, due 2026-11-24 13:00 UTC."),
            (TimelineKind.TASK, "U_BOB", f"Playbook child_safety: {len(steps)} steps added."),
        ]
        assert incident.timeline[1].data == {
            "types": {"from": ["fraud_scam"], "to": ["child_safety"]},
            "reason": REASON,
        }
        audited = ctx.session.scalars(select(AuditEvent.action).where(AuditEvent.incident_id == incident.id)).all()
        assert audited.count("incident.reclassify") == 1

    with domain.unit() as ctx:  # changes that make the same playbook apply again add nothing, nor start a clock twice
        lifecycle.change_severity(ctx, ref, actor="U_BOB", severity=Severity.SEV0, reason="more accounts")
        again = lifecycle.reclassify(ctx, ref, actor="U_BOB", types=["child_safety", "fraud_scam"], reason="both")
        assert (again.clocks, again.tasks) == ([], [])
    with domain.unit() as ctx:
        incident, listed = tasks.list_tasks(ctx, ref)
        assert len(listed) == len(steps) and [c.regime for c in incident.clocks] == ["us_ncmec_2258a"]
        assert incident.type_names == ["child_safety", "fraud_scam"]


def test_a_change_of_jurisdictions_starts_the_clocks_and_steps_it_calls_for_and_keeps_running_ones(
    domain: Domain,
) -> None:
    ref = declared_ref(domain, jurisdictions=["US"])  # a threat of violence: the EU clock and playbook do not apply
    with domain.unit() as ctx:
        assert {t.playbook for t in tasks.list_tasks(ctx, ref)[1]} == {"threat_violence"}
        done = lifecycle.reclassify(ctx, ref, actor="U_BOB", jurisdictions=[" eu", "us "], reason="victim in Berlin")
        assert done.change == "jurisdictions US → EU, US"
        assert [c.regime for c in done.clocks] == ["eu_dsa_art18"]
        assert {t.playbook for t in done.tasks} == {"threat_violence_eu"}
    with domain.unit() as ctx:
        lifecycle.reclassify(ctx, ref, actor="U_BOB", jurisdictions=["US"], reason="the victim moved back")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.jurisdictions == ["US"]
        assert [(c.regime, c.satisfied_at) for c in incident.clocks] == [("eu_dsa_art18", None)], "kept running"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"types": ["wizardry"]}, "Unknown incident type 'wizardry'; known types: threat_violence"),
        ({"types": [" FRAUD_SCAM "]}, "is already of type fraud_scam."),
        ({"types": ["fraud_scam"], "jurisdictions": ["us"]}, "is already of type fraud_scam in US."),
        ({"jurisdictions": ["XX"]}, "Unknown jurisdiction 'XX': use one of AU, BR, EU, IN, US."),
        ({"jurisdictions": [" "]}, "Name at least one jurisdiction: AU, BR, EU, IN, US."),
        ({}, "Say what to change: the types, the jurisdictions or both."),
        ({"types": ["child_safety"], "reason": " "}, "A reason for the change is required"),
    ],
)
def test_mistakes_and_no_ops_are_refused_in_one_line(domain: Domain, change: dict[str, Any], words: str) -> None:
    ref = _scam(domain)
    with domain.unit() as ctx, pytest.raises(VigilError) as refused:
        lifecycle.reclassify(ctx, ref, actor="U_BOB", **{"reason": REASON, **change})
    assert words in refused.value.message and "\n" not in refused.value.message
    with domain.unit() as ctx:
        assert len(incident_to_show(ctx, ref).timeline) == 1, "nothing was written"


def test_types_needing_a_higher_tier_are_refused_until_it_is_raised(domain: Domain) -> None:
    ref = _scam(domain, tier=Tier.RESTRICTED)
    with domain.unit() as ctx, pytest.raises(VigilError) as refused:
        lifecycle.reclassify(ctx, ref, actor="U_BOB", types=["fraud_scam", "child_safety"], reason=REASON)
    assert refused.value.message == (
        f"child_safety must be at least highly_restricted and {ref} is restricted: raise its tier first with "
        f'`vigil tier {ref} highly_restricted --reason "…"`, then reclassify it.'
    )
    with domain.unit() as ctx:
        lifecycle.change_tier(ctx, ref, actor="U_BOB", tier=Tier.HIGHLY_RESTRICTED, reason="a minor may be involved")
        lifecycle.reclassify(ctx, ref, actor="U_BOB", types=["fraud_scam", "child_safety"], reason=REASON)
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).type_names == ["child_safety", "fraud_scam"]


def test_a_resolved_incident_is_not_reclassified(domain: Domain) -> None:
    ref = _scam(domain)
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_BOB")
    with domain.unit() as ctx, pytest.raises(VigilError, match=f"^{ref} is resolved; reopen it first.$"):
        lifecycle.reclassify(ctx, ref, actor="U_BOB", types=["child_safety"], reason=REASON)
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.status is Status.RESOLVED and incident.type_names == ["fraud_scam"]


def test_leadership_reads_a_restricted_reclassification_as_structured_facts_only(domain: Domain) -> None:
    ref = _scam(domain)
    with domain.unit() as ctx:
        lifecycle.reclassify(ctx, ref, actor="U_BOB", types=["child_safety"], jurisdictions=["US", "EU"], reason=REASON)
    with domain.unit() as ctx:
        text = render_review(
            ctx, ref, actor="U_OUTSIDER", audience=Audience.LEADERSHIP, fmt=Format.MARKDOWN, templates=load_templates()
        )
    assert "Classification" in text
    assert "Types: fraud_scam → child_safety · Jurisdictions: US → EU, US" in text
    assert "14" not in text and "teenage" not in text, "the reason and the title stay with the members"


def test_the_terminal_reclassifies_and_says_what_it_started(vigil: Run, domain: Domain) -> None:
    ref = _scam(domain)
    code, out, err = vigil("--as", "U_BOB", "reclassify", ref, "--type", "child_safety", "--reason", REASON)
    assert code == 0, err
    first, started, steps = out.splitlines()
    assert first == f"{ref} types fraud_scam → child_safety."
    assert started.startswith("Clocks started: #") and "us_ncmec_2258a" in started
    assert steps == f"6 playbook steps added: `vigil tasks {ref}` lists them."

    code, out, err = vigil("reclassify", ref, "--jurisdiction", "mars", "--reason", "x")
    assert (code, out) == (2, "") and one_line(err) and "invalid choice: 'MARS' (choose from 'AU'" in err
    code, out, err = vigil("reclassify", ref, "--type", "child_safety", "--reason", "x")
    assert (code, out) == (1, "") and one_line(err) and f"{ref} is already of type child_safety." in err
    code, out, err = vigil("reclassify", ref, "--type", "other")
    assert code == 2 and one_line(err) and "--reason" in err
