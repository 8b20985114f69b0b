"""Tampering with the database behind Vigil's back is caught by `vigil verify`, one line per problem naming the
incident, the entry, what happened to it and since which checkpoint; an untouched record verifies (exit 0)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from incidents import timeline
from incidents.access import Viewer
from incidents.access.reading import admit
from incidents.context import Domain
from incidents.enums import Tier, TimelineKind
from incidents.errors import NotFound
from incidents.models import AuditEvent, TimelineEntry
from incidents.record.canonical import canonical, salted_digest
from incidents.record.merkle import leaf_hash
from incidents.record.models import RecordLeaf
from incidents.record.signing import Signer
from incidents.record.verify import verify_database
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.record.conftest import Run, checkpoint, incident_with_history
from tests.record.rewriting import rewrite_consistently

CHECKPOINT_1 = r"checkpoint #1 \(2026-11-23 12:45 UTC\)"


def sql(domain: Domain, statement: str, **params: Any) -> None:
    with domain.engine.begin() as connection:
        connection.execute(text(statement), params)


def notes(domain: Domain, ref: str) -> list[TimelineEntry]:
    with domain.unit() as ctx:
        return list(
            ctx.session.scalars(
                select(TimelineEntry).where(TimelineEntry.kind == TimelineKind.NOTE).order_by(TimelineEntry.seq)
            )
        )


def test_an_untouched_record_verifies_at_its_latest_checkpoint(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    ref = incident_with_history(domain, time_source)
    checkpoint(domain, signer)
    code, out, _err = vigil("verify", "--all")
    assert code == 0, out
    assert re.fullmatch(rf"Record verified at {CHECKPOINT_1} \(\d+ entries in 1 log\)\.\n", out)
    code, out, _err = vigil("verify", ref)
    assert code == 0 and "Record verified at checkpoint #1" in out


def test_one_byte_changed_in_a_note_is_named(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    ref = incident_with_history(domain, time_source)
    checkpoint(domain, signer)
    note = notes(domain, ref)[1]
    sql(
        domain,
        "UPDATE timeline_entries SET text = :text WHERE id = :id",
        text="Police informed, case 4472.",
        id=note.id,
    )
    code, out, _err = vigil("verify", "--all")
    assert code == 1
    assert out.splitlines()[0] == (
        f"{ref}: timeline entry {note.id} (note, 2026-11-23 12:10 UTC) was modified since "
        "checkpoint #1 (2026-11-23 12:45 UTC): text."
    )
    assert out.splitlines()[-1].startswith("Record NOT verified: 1 problem")


def test_a_deleted_row_is_named(domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run) -> None:
    ref = incident_with_history(domain, time_source)
    checkpoint(domain, signer)
    note = notes(domain, ref)[0]
    sql(domain, "DELETE FROM timeline_entries WHERE id = :id", id=note.id)
    code, out, _err = vigil("verify", ref)
    assert code == 1
    assert re.match(
        rf"{ref}: timeline entry {note.id} \(note, 2026-11-23 12:05 UTC\) was deleted since {CHECKPOINT_1}\.", out
    )


def test_an_inserted_row_is_named(domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run) -> None:
    ref = incident_with_history(domain, time_source)
    checkpoint(domain, signer)
    first = notes(domain, ref)[0]
    sql(
        domain,
        "INSERT INTO timeline_entries (incident_id, at, seq, recorded_at, kind, author, text, sensitive, in_review,"
        " data) SELECT incident_id, at, 99, recorded_at, kind, author, 'The host withdrew the complaint.',"
        " sensitive, in_review, data FROM timeline_entries WHERE id = :id",
        id=first.id,
    )
    code, out, _err = vigil("verify", "--all")
    inserted = max(n.id for n in notes(domain, ref))
    assert code == 1
    assert out.splitlines()[0] == f"{ref}: timeline entry {inserted} was inserted: the record has no entry for it."


def test_two_entries_swapped_in_order_are_named_as_reordered(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    ref = incident_with_history(domain, time_source)
    checkpoint(domain, signer)
    first, second = notes(domain, ref)[:2]
    with domain.engine.begin() as connection:
        for entry, other in ((first, second), (second, first)):
            connection.execute(
                text("UPDATE timeline_entries SET at = :at, seq = :seq WHERE id = :id"),
                {
                    "at": other.at if domain.engine.dialect.name == "postgresql" else other.at.replace(tzinfo=None),
                    "seq": -other.seq if entry is first else other.seq,
                    "id": entry.id,
                },
            )
        connection.execute(text("UPDATE timeline_entries SET seq = -seq WHERE seq < 0"))
    code, out, _err = vigil("verify", "--all")
    assert code == 1
    assert out.splitlines()[0] == (
        f"{ref}: timeline entries {first.id} and {second.id} were reordered since checkpoint #1 (2026-11-23 12:45 UTC)."
    )


def test_a_leaf_rewritten_to_match_a_changed_row_is_named_by_the_chain(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    """Whoever changes a note and recomputes its leaf's hash to match (the salt is in the database) breaks the link
    the next leaf holds to it."""
    ref = incident_with_history(domain, time_source)
    checkpoint(domain, signer)
    note = notes(domain, ref)[1]
    leaf = leaf_of(domain, "timeline_entries", note.id)
    assert leaf.salts is not None
    body = json.loads(leaf.body)
    body["row"]["text"] = {"sha256": salted_digest(leaf.salts["text"], "Nothing happened.")}
    sql(domain, "UPDATE timeline_entries SET text = 'Nothing happened.' WHERE id = :id", id=note.id)
    sql(
        domain,
        "UPDATE record_leaves SET body = :body WHERE log = :log AND idx = :idx",
        body=canonical(body).decode(),
        log=leaf.log,
        idx=leaf.idx,
    )
    code, out, _err = vigil("verify", ref)
    assert code == 1
    assert out.splitlines()[0] == (
        f"{ref}: timeline entry {note.id} (note, 2026-11-23 12:10 UTC) was modified in the record since "
        "checkpoint #1 (2026-11-23 12:45 UTC)."
    )
    assert out.splitlines()[1].startswith("Record NOT verified: 1 problem")


def leaf_of(domain: Domain, table: str, row_id: int) -> RecordLeaf:
    """The first leaf about the row."""
    with domain.unit() as ctx:
        leaves = ctx.session.scalars(select(RecordLeaf).order_by(RecordLeaf.log, RecordLeaf.idx))
        return next(
            leaf for leaf in leaves if (json.loads(leaf.body)["t"], json.loads(leaf.body)["id"]) == (table, row_id)
        )


def test_a_consistent_rewrite_with_the_key_is_caught_only_by_the_posted_checkpoints(
    domain: Domain, time_source: ManualTime, signer: Signer
) -> None:
    """The database agrees with itself again; the checkpoint hashes posted outside it do not."""
    ref = incident_with_history(domain, time_source)
    first = checkpoint(domain, signer)
    note = notes(domain, ref)[1]
    rewrite_consistently(domain.engine, signer, "timeline_entries", note.id, "text", "Police never called.")
    assert verify_database(domain.engine, signer.public).holds
    outcome = verify_database(domain.engine, signer.public, posted={first.seq: first.hash})
    assert outcome.problems == [
        "Checkpoint #1 differs from the one posted to the record channel: the record was rewritten after it was "
        f"posted (it fixed {ref})."
    ]


def test_a_refusal_audited_after_its_unit_rolled_back_is_in_the_record_too(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    """The one audit event written outside any session (once the refused request's unit has rolled back)."""
    ref = declared_ref(domain, types=["suicide_self_harm"], tier=Tier.RESTRICTED)
    with pytest.raises(NotFound), domain.unit() as ctx:
        admit(ctx, ref, Viewer(key="U_OUTSIDER", name="Outsider"))
    checkpoint(domain, signer)
    code, out, _err = vigil("verify", ref)
    assert code == 0, out
    with domain.unit() as ctx:
        refused = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "web.refused_incident")).all()
    assert [event.actor for event in refused] == ["U_OUTSIDER"]


def test_a_checkpoint_deleted_or_forged_is_named(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    ref = incident_with_history(domain, time_source)
    first = checkpoint(domain, signer)
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U_ALICE", text="Host confirmed safe.")
    checkpoint(domain, signer)
    checkpoint(domain, signer)
    sql(domain, "DELETE FROM record_checkpoints WHERE seq = 2")
    forged = first.heads[0]
    body = canonical({**json.loads(_body(domain, 1)), "heads": [[forged.log, forged.size - 1, forged.root]]})
    sql(domain, "UPDATE record_checkpoints SET body = :body WHERE seq = 1", body=body.decode())
    code, out, _err = vigil("verify", "--all")
    assert code == 1
    assert out.splitlines()[:3] == [
        "Checkpoint #1 (2026-11-23 12:45 UTC) is not signed by the record's key: it was altered or forged.",
        "Checkpoint #2 was deleted.",
        f"{ref}: record entries 0-{forged.size - 2} no longer match checkpoint #1 (2026-11-23 12:45 UTC): at least "
        "one of them was rewritten since.",
    ]


def test_the_last_entry_rewritten_with_its_head_is_named_by_its_checkpoint(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    """No later leaf holds a link to the last one: its checkpoint's root is what catches it."""
    ref = incident_with_history(domain, time_source)
    checkpoint(domain, signer)
    with domain.unit() as ctx:
        last = ctx.session.scalars(select(RecordLeaf).order_by(RecordLeaf.idx.desc()).limit(1)).one()
    body = json.loads(last.body)
    body["row"]["at"] = "2026-11-23T11:00:00.000000Z"
    rewritten = canonical(body).decode()
    sql(domain, "UPDATE record_leaves SET body = :body WHERE log = :log AND idx = :idx", body=rewritten,
        log=last.log, idx=last.idx)  # fmt: skip
    sql(domain, "UPDATE record_logs SET head = :head WHERE log = :log", head=leaf_hash(rewritten.encode()).hex(),
        log=last.log)  # fmt: skip
    code, out, _err = vigil("verify", ref)
    assert code == 1
    assert (
        f"{ref}: record entries 0-{last.idx} no longer match checkpoint #1 (2026-11-23 12:45 UTC): at least one of"
        in out
    )


def _body(domain: Domain, seq: int) -> str:
    with domain.engine.connect() as connection:
        return str(connection.scalar(text("SELECT body FROM record_checkpoints WHERE seq = :seq"), {"seq": seq}))


def test_verify_says_what_to_verify_and_since_limits_it_to_the_logs_that_grew(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    assert vigil("verify")[::2] == (1, "vigil: Say what to verify: an incident's reference, or --all.\n")
    declared_ref(domain)
    busy = incident_with_history(domain, time_source)
    checkpoint(domain, signer)
    code, out, _err = vigil("verify", "--all", "--since", "2026-11-23T12:30Z")
    assert code == 0 and "in 2 logs)" in out, out  # the checkpoint of 12:45 fixed both
    time_source.advance(timedelta(hours=2))
    with domain.unit() as ctx:
        timeline.add_note(ctx, busy, actor="U_ALICE", text="Closing notes.")
    code, out, _err = vigil("verify", "--all", "--since", "2026-11-23T14:00Z")
    assert code == 0 and "in 1 log; 1 newer than the checkpoint: consistent, for the next one to fix)" in out, out
