"""Erasure keeps the record verifiable (and says who erased what, when), and writers on two replicas appending to
the same logs at once keep one order that verifies."""

from __future__ import annotations

import json
import threading
from functools import partial

from sqlalchemy import Engine, func, select

from incidents import timeline
from incidents.context import Ctx, Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.models import TimelineEntry
from incidents.parties.models import PartyRole
from incidents.parties.service import add_party, erase_party
from incidents.policy import load_policy
from incidents.record.models import RecordLeaf, RecordLog
from incidents.record.signing import Signer
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.record.conftest import Run, checkpoint, incident_with_history


def test_erasing_a_party_keeps_the_record_verified_and_says_who_erased_it(
    domain: Domain, time_source: ManualTime, signer: Signer, vigil: Run
) -> None:
    ref = incident_with_history(domain, time_source)
    with domain.unit() as ctx:
        add_party(ctx, ref, actor="U_ALICE", role=PartyRole.REPORTER, name="Jane Doe", contact="jane@example.org")
        timeline.add_note(ctx, ref, actor="U_ALICE", text="Jane Doe called again from jane@example.org.")
    checkpoint(domain, signer)
    with domain.unit() as ctx:
        erase_party(ctx, ref, "reporter", actor="U_ALICE")
    checkpoint(domain, signer)
    code, out, _err = vigil("verify", ref)
    assert code == 0, out
    assert out.splitlines() == [
        f"{ref}: text of 2 earlier entries erased on 2026-11-23 12:45 UTC by U_ALICE (party.erase).",
        f"Record verified at checkpoint #2 (2026-11-23 12:45 UTC) ({_entries(domain)} entries in 1 log).",
    ]
    with domain.unit() as ctx:
        erased = ctx.session.scalars(
            select(RecordLeaf).where(RecordLeaf.erased_at.is_not(None)).order_by(RecordLeaf.log, RecordLeaf.idx)
        ).all()
    # the note as it was, and the incident's row as declared (its later versions say what it says now)
    assert [(json.loads(leaf.body)["t"], leaf.salts, leaf.erased_by) for leaf in erased] == [
        ("incidents", None, "U_ALICE"),
        ("timeline_entries", None, "U_ALICE"),
    ]


def _entries(domain: Domain) -> int:
    with domain.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(RecordLeaf)) or 0


def test_two_replicas_appending_at_once_keep_one_verifiable_order(
    domain: Domain, db_url: str, signer: Signer, vigil: Run
) -> None:
    shared, other = declared_ref(domain), declared_ref(domain)
    replicas = [domain, _replica(db_url, domain)]
    failures: list[BaseException] = []

    def write(replica: Domain, ref: str, n: int) -> None:
        try:
            for i in range(n):
                replica.run(partial(note, ref=ref, text=f"Note {i}"))
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=write, args=(replica, ref, 12))
        for replica in replicas
        for ref in (shared, shared, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    checkpoint(domain, signer)
    code, out, _err = vigil("verify", "--all")
    assert code == 0, out
    with domain.unit() as ctx:
        sizes = dict(ctx.session.execute(select(RecordLog.log, RecordLog.size)).all())
        counted = dict(ctx.session.execute(select(RecordLeaf.log, func.count()).group_by(RecordLeaf.log)).all())
    assert sizes == counted
    replicas[1].engine.dispose()


def test_replicas_taking_turns_and_a_rolled_back_savepoint_keep_the_record_verified(
    domain: Domain, db_url: str, signer: Signer, vigil: Run
) -> None:
    """Each replica remembers where it left a log; the other moving it since, or a savepoint that was released and
    then rolled back with its transaction, leaves that memory stale, and the next append still lands after the
    head as it really is."""
    ref = declared_ref(domain)
    replicas = [domain, _replica(db_url, domain)]
    for i in range(6):
        replicas[i % 2].run(partial(note, ref=ref, text=f"Turn {i}"))
    try:
        with domain.unit() as ctx:
            with ctx.session.begin_nested():
                note(ctx, ref=ref, text="Written, then rolled back")
            raise RuntimeError("the unit fails after its savepoint was released")
    except RuntimeError:
        pass
    domain.run(partial(note, ref=ref, text="After the rollback"))
    checkpoint(domain, signer)
    code, out, _err = vigil("verify", ref)
    assert code == 0, out
    with domain.unit() as ctx:
        texts = ctx.session.scalars(select(TimelineEntry.text).order_by(TimelineEntry.seq)).all()
    assert "Written, then rolled back" not in texts
    assert [t for t in texts if t.startswith(("Turn", "After"))] == [
        *(f"Turn {i}" for i in range(6)),
        "After the rollback",
    ]
    replicas[1].engine.dispose()


def note(ctx: Ctx, *, ref: str, text: str) -> None:
    """As every way in writes: queued on the incident's row first."""
    ctx.lock_incident(ref=ref)
    timeline.add_note(ctx, ref, actor="U_ALICE", text=text)


def _replica(db_url: str, like: Domain) -> Domain:
    engine: Engine = make_engine(db_url)
    return Domain(engine, make_sessionmaker(engine), load_policy(), like.time_source)
