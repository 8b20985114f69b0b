"""Parties to an incident: members add and list them (every read audited), and erasing one replaces its
identifiers with its role token everywhere in the incident's record."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from incidents import actions, timeline
from incidents.context import Domain
from incidents.errors import NotFound, VigilError
from incidents.models import AuditEvent
from incidents.parties.models import PartyRole
from incidents.parties.service import NotMember, add_party, erase_party, list_parties, parse_role
from incidents.parties.tokens import party_tokens
from incidents.queries import incident_to_show
from incidents.referrals import service as referrals
from incidents.referrals.models import Referral
from incidents.reviews import ReviewFields, get_or_start_review, update_review
from incidents.schema import metadata
from incidents.tasks import service as tasks
from incidents.tasks.models import Task
from tests.helpers import declared_ref

JANE = {"name": "Jane Doe", "handle": "@jdoe_99", "account_id": "acc-4471", "contact": "jane.doe@example.org"}
IDENTIFIERS = ("jane doe", "jdoe_99", "acc-4471", "jane.doe@example.org")


def _add_jane(domain: Domain, ref: str) -> None:
    with domain.unit() as ctx:
        add_party(ctx, ref, actor="U_ALICE", role=PartyRole.REPORTER, **JANE)


def _audits(domain: Domain, action: str) -> list[AuditEvent]:
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_members_add_and_list_parties_and_every_read_is_audited(domain: Domain) -> None:
    ref = declared_ref(domain)
    _add_jane(domain, ref)
    with domain.unit() as ctx:
        for name in ("Sam Roe", "Kim Poe"):
            add_party(ctx, ref, actor="U_ALICE", role=parse_role("witness"), name=name)
        listed = list_parties(ctx, ref, actor="U_ALICE")
    assert [(p.party.number, p.token) for p in listed] == [(1, "Reporter"), (2, "Witness"), (3, "Witness 2")]
    reporter = listed[0].party
    assert (reporter.name, reporter.handle, reporter.account_id) == ("Jane Doe", "jdoe_99", "acc-4471")
    views = _audits(domain, "party.view")
    assert [(e.actor, e.details) for e in views] == [("U_ALICE", {"parties": 3})]
    assert [e.details["role"] for e in _audits(domain, "party.add")] == ["reporter", "witness", "witness"]


def test_non_members_can_neither_see_nor_add_nor_erase(domain: Domain) -> None:
    ref = declared_ref(domain)
    _add_jane(domain, ref)
    for attempt in (
        lambda ctx: list_parties(ctx, ref, actor="U_MALLORY"),
        lambda ctx: add_party(ctx, ref, actor="U_MALLORY", role=PartyRole.WITNESS, name="Eve Example"),
        lambda ctx: erase_party(ctx, ref, "1", actor="U_MALLORY"),
    ):
        with pytest.raises(NotMember, match="Only members"), domain.unit() as ctx:
            attempt(ctx)
    assert _audits(domain, "party.view") == []


def test_input_is_checked(domain: Domain) -> None:
    ref = declared_ref(domain)
    with pytest.raises(VigilError, match="Unknown role 'victim': use one of reporter"):
        parse_role("victim")
    with pytest.raises(VigilError, match="at least one of"), domain.unit() as ctx:
        add_party(ctx, ref, actor="U_ALICE", role=PartyRole.WITNESS, name="  ", handle="@")
    with pytest.raises(NotFound, match="has no party '7'"), domain.unit() as ctx:
        erase_party(ctx, ref, "7", actor="U_ALICE")


def test_erasure_reaches_every_part_of_the_incident_that_holds_free_text(domain: Domain) -> None:
    """Playbook steps' skip reasons and referrals' notes, outcomes and reasons too: found by structure."""
    ref = declared_ref(domain, types=["child_safety"])
    _add_jane(domain, ref)
    with domain.unit() as ctx:
        _, [step, *_] = tasks.list_tasks(ctx, ref)
        tasks.skip_task(ctx, step.id, actor="U_ALICE", reason="Jane Doe asked us to wait", ref=ref)
        referral = referrals.open_referral(ctx, ref, actor="U_ALICE", kind="support", note="Call jane.doe@example.org")
        referral_id = referral.id
    with domain.unit() as ctx:
        erase_party(ctx, ref, "1", actor="U_ALICE")
    with domain.unit() as ctx:
        assert ctx.session.get(Task, step.id).skip_reason == "Reporter asked us to wait"
        assert ctx.session.get(Referral, referral_id).note == "Call Reporter"


def test_party_tokens_map_every_identifier_of_parties_not_erased(domain: Domain) -> None:
    ref = declared_ref(domain)
    _add_jane(domain, ref)
    with domain.unit() as ctx:
        add_party(ctx, ref, actor="U_ALICE", role=PartyRole.SUBJECT_ACCOUNT, handle="troll_42")
        assert party_tokens(incident_to_show(ctx, ref)) == {
            "Jane Doe": "Reporter",
            "jdoe_99": "Reporter",
            "@jdoe_99": "Reporter",
            "acc-4471": "Reporter",
            "jane.doe@example.org": "Reporter",
            "troll_42": "Subject account",
            "@troll_42": "Subject account",
        }
        erase_party(ctx, ref, "subject-account", actor="U_ALICE")
        assert set(party_tokens(incident_to_show(ctx, ref)).values()) == {"Reporter"}


def test_erasure_replaces_identifiers_everywhere_counts_them_and_audits_without_them(domain: Domain) -> None:
    ref = declared_ref(domain, summary="Hotline call from Jane Doe about @jdoe_99.")
    _add_jane(domain, ref)
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U_ALICE", text="Jane  Doe wrote from jane.doe@example.org, not jdoe_990.")
        timeline.post_update(ctx, ref, actor="U_ALICE", summary="JANE DOE is safe", impact="Account acc-4471 locked")
        actions.add_action(
            ctx, ref, actor="U_ALICE", title="Call back Jane Doe", description="Reach her at jane.doe@example.org"
        )
        get_or_start_review(ctx, ref, actor="U_ALICE")
        update_review(ctx, ref, ReviewFields(executive_summary="Jane Doe reported it via jdoe_99."), actor="U_ALICE")

    with domain.unit() as ctx:
        erasure = erase_party(ctx, ref, "reporter", actor="U_ALICE")
    # summary 2, note 2, update 4 (summary, impact, its timeline text and data), action 3 (with its entry), review 2
    assert (erasure.token, erasure.replacements) == ("Reporter", 13)

    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.summary == "Hotline call from Reporter about Reporter."
        note = next(e.text for e in incident.timeline if e.text.startswith("Reporter wrote"))
        assert note == "Reporter wrote from Reporter, not jdoe_990.", "whole words only"
        assert incident.actions[0].title == "Call back Reporter"
        party = list_parties(ctx, ref, actor="U_ALICE")[0].party
        assert (party.name, party.handle, party.account_id, party.contact) == (None, None, None, None)
        assert party.erased_by == "U_ALICE"
    _assert_nowhere_in_the_database(domain)
    assert [e.details for e in _audits(domain, "party.erase")] == [
        {"party": 1, "token": "Reporter", "replacements": 13}
    ]
    with pytest.raises(VigilError, match="Reporter on INC-2026-0001 was already erased"), domain.unit() as ctx:
        erase_party(ctx, ref, "1", actor="U_ALICE")


def _assert_nowhere_in_the_database(domain: Domain) -> None:
    """Every row of every table, as text. The audit log is append-only and left out: it holds what a change's
    audit details held at the time (e.g. an update's impact), which erasure does not rewrite."""
    with domain.unit() as ctx:
        for table in metadata.sorted_tables:
            if table.name == "audit_events":
                continue
            for row in ctx.session.execute(text(f"SELECT * FROM {table.name}")):
                dump = " ".join(str(v) for v in row)
                assert not [i for i in IDENTIFIERS if re.search(rf"(?<!\w){re.escape(i)}(?!\w)", dump, re.I)], dump
