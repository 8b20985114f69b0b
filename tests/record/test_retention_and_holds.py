"""Retention purges the free text and personal data of incidents closed longer than the policy keeps them, audited
and leaving the record verified; a legal hold keeps an incident whole (no purge, no erasure) until it is released,
from the terminal too, with every change audited."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select

from incidents import lifecycle, timeline
from incidents.context import Domain
from incidents.models import AuditEvent
from incidents.parties.models import Party, PartyRole
from incidents.parties.service import add_party
from incidents.people import name_person
from incidents.queries import incident_to_show
from incidents.record.delivery import checkpoint_if_due
from incidents.record.retention import purge_due
from incidents.record.signing import Signer
from incidents.scheduling.runner import wanted_jobs
from incidents.settings import Settings
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.record.conftest import Run, checkpoint

TWO_YEARS = timedelta(days=730)
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"


def closed_with_a_party(domain: Domain, **declared: object) -> str:
    ref = declared_ref(domain, **declared)
    with domain.unit() as ctx:
        add_party(ctx, ref, actor="U_ALICE", role=PartyRole.REPORTER, name="Jane Doe", contact="jane@example.org")
        timeline.add_note(ctx, ref, actor="U_ALICE", text="Jane Doe called from jane@example.org.")
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
        lifecycle.close(ctx, ref, actor="U_ALICE")
    return ref


def audits(domain: Domain, action: str) -> list[AuditEvent]:
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_purge_removes_free_text_and_parties_once_retention_ends_and_the_record_still_verifies(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    ref = closed_with_a_party(domain, types=["fraud_scam"])
    checkpoint(domain, signer)
    time_source.advance(TWO_YEARS - timedelta(minutes=1))
    assert purge_due(domain).message == "Purged 0 incidents."
    time_source.advance(timedelta(minutes=1))
    assert purge_due(domain).message == f"Purged 1 incident: {ref}."
    assert purge_due(domain).message == "Purged 0 incidents."
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        texts = [entry.text for entry in incident.timeline]
        party = ctx.session.scalars(select(Party)).one()
    assert texts and set(texts) == {"(erased on 2028-11-22 by retention)"}
    assert (party.name, party.contact, party.erased_by) == (None, None, "retention")
    purged = len(texts) + 1  # and the severity's reason
    assert [e.details for e in audits(domain, "retention.purge")] == [{"parties": 1, "texts": purged}]
    checkpoint(domain, signer)
    code, out, _err = vigil("verify", ref)
    assert code == 0, out
    assert "erased on 2028-11-22 12:00 UTC by retention (retention.purge)." in out.splitlines()[0]


def test_what_counsel_keeps_is_never_purged(domain: Domain, time_source: ManualTime) -> None:
    closed_with_a_party(domain, types=["child_safety"])
    time_source.advance(10 * TWO_YEARS)
    assert purge_due(domain).message == "Purged 0 incidents."


def test_a_hold_refuses_erasure_and_suspends_the_purge_until_released(
    domain: Domain, time_source: ManualTime, vigil: Run
) -> None:
    ref = closed_with_a_party(domain, types=["fraud_scam"])
    with domain.unit() as ctx:
        name_person(ctx, "U_LEGAL", display_name="Lee Counsel")
    code, out, _err = vigil("--as", "U_LEGAL", "hold", ref, "--matter", "Doe v. Platform", "--reason", "Subpoena 7")
    assert (code, out) == (
        0,
        f"Placed a legal hold on {ref} for Doe v. Platform: erasure and purge are refused until it is released.\n",
    )
    code, out, _err = vigil("holds")
    assert re.fullmatch(rf"{ref}: Doe v. Platform — placed by Lee Counsel on {WHEN} \(Subpoena 7\)\n", out)

    code, _out, err = vigil("--as", "U_ALICE", "parties", "erase", ref, "1")
    assert code == 1
    assert re.fullmatch(
        rf"vigil: {ref} is under legal hold for 'Doe v\. Platform', placed by Lee Counsel on \d{{4}}-\d\d-\d\d: "
        rf"erasing a party is refused until it is released \(vigil hold release {ref}\)\.\n",
        err,
    )
    time_source.advance(3 * TWO_YEARS)
    assert purge_due(domain).message == f"Purged 0 incidents; kept under legal hold: {ref}."

    code, out, _err = vigil("--as", "U_LEGAL", "hold", "release", ref)
    assert (code, out) == (0, f"Released the legal hold on {ref} for Doe v. Platform.\n")
    assert vigil("holds")[1] == "No legal holds are in place.\n"
    assert purge_due(domain).message == f"Purged 1 incident: {ref}."
    assert [(e.actor, e.details["hold"]) for e in audits(domain, "hold.place") + audits(domain, "hold.release")] == [
        ("U_LEGAL", 1),
        ("U_LEGAL", 1),
    ]


def test_with_a_key_checkpoints_are_looked_for_every_tick_and_all_is_verified_daily_as_the_purge_runs() -> None:
    plain = wanted_jobs(Settings(), "vigil")
    keyed = wanted_jobs(Settings(record_signing_key="x"), "vigil")
    assert "vigil.record_checkpoint" not in plain
    assert keyed["vigil.record_checkpoint"].trigger.interval == timedelta(seconds=30)
    assert str(keyed["vigil.record_verify"].trigger) == "cron[hour='4', minute='0']"
    assert str(plain["vigil.retention_purge"].trigger) == "cron[hour='3', minute='0']"


def test_a_checkpoint_is_due_hourly_and_as_soon_as_a_resolved_incident_grows(
    domain: Domain, time_source: ManualTime, signer: Signer
) -> None:
    key = signer.key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    settings = Settings(record_signing_key=base64.b64encode(key).decode())
    ref = declared_ref(domain)
    first = checkpoint_if_due(domain, settings)
    assert first is not None and first.reason == "hourly"
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U_ALICE", text="Still open: no checkpoint for this until the hour.")
    assert checkpoint_if_due(domain, settings) is None
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    settled = checkpoint_if_due(domain, settings)
    assert settled is not None and (settled.seq, settled.reason) == (2, "resolve or publish")
    assert checkpoint_if_due(domain, settings) is None
    time_source.advance(timedelta(hours=1))
    later = checkpoint_if_due(domain, settings)
    assert later is not None and (later.seq, later.reason, later.heads) == (3, "hourly", ())
