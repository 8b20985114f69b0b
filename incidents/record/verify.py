"""Recomputing the record: every checkpoint's signature and link, every log (:mod:`.entries`), and the posted
checkpoint hashes against the database's. Each problem is one line naming the incident, the entry and what happened
to it (modified, deleted, inserted, reordered), and since which checkpoint; erasures are said, not counted as
problems. On PostgreSQL the whole run reads one snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, func, select

from incidents.models import Incident
from incidents.queries import no_incident
from incidents.record.checkpoints import Checkpoint, Head, read
from incidents.record.entries import check_range, log_name
from incidents.record.models import RecordCheckpoint, RecordHead, RecordLog
from incidents.record.outcome import Anchors, Outcome, capitalised
from incidents.record.signing import signed_by
from incidents.record.subjects import SYSTEM_LOG
from incidents.refs import normalise_ref

BATCH = 500
"""Incidents whose logs are read together."""


def verify(
    connection: Connection,
    public: Ed25519PublicKey | None,
    *,
    logs: Sequence[int] | None = None,
    since: datetime | None = None,
    posted: Mapping[int, str] | None = None,
) -> Outcome:
    """Verify the checkpoints and the logs named by ``logs`` (every log when None), or only those that grew since
    ``since``. ``public`` is the configured key (None: signatures cannot be checked, which is a problem once there
    are checkpoints); ``posted`` the checkpoint hashes found outside the database, by number (None: not compared).
    """
    outcome = Outcome()
    names = _incident_refs(connection)
    anchors = _check_checkpoints(connection, public, posted, names, outcome)
    if logs is None and since is not None:
        logs = _grown_since(connection, anchors, since)
    for lo, hi in _ranges(connection, logs):
        check_range(connection, lo, hi, anchors, names, outcome)
    if logs is not None and len(logs) == 1:
        fixed = anchors.by_log.get(logs[0])
        outcome.anchor = fixed[-1][0] if fixed else None
    else:
        outcome.anchor = anchors.latest
    return outcome


def _check_checkpoints(
    connection: Connection,
    public: Ed25519PublicKey | None,
    posted: Mapping[int, str] | None,
    names: Mapping[int, str],
    outcome: Outcome,
) -> Anchors:
    anchors = Anchors()
    rows = connection.execute(select(RecordCheckpoint).order_by(RecordCheckpoint.seq)).all()
    if rows and public is None:
        outcome.problems.append("No record signing key is configured: the checkpoints' signatures cannot be checked.")
    expected, previous = 1, ""
    stored: dict[int, str] = {}
    for row in rows:
        checkpoint = read(row)
        stored[row.seq] = checkpoint.hash
        if row.seq != expected:
            gone = (
                f"Checkpoint #{expected} was"
                if row.seq == expected + 1
                else f"Checkpoints #{expected}-#{row.seq - 1} were"
            )
            outcome.problems.append(f"{gone} deleted.")
        elif checkpoint.previous != previous:
            outcome.problems.append(
                f"{capitalised(checkpoint.name)} does not follow checkpoint #{row.seq - 1}: one of them was replaced."
            )
        if json.loads(row.body).get("seq") != row.seq:
            outcome.problems.append(f"Checkpoint #{row.seq} says it is #{json.loads(row.body).get('seq')}: moved.")
        if public is not None and not signed_by(public, row.body.encode(), row.signature):
            outcome.problems.append(
                f"{capitalised(checkpoint.name)} is not signed by the record's key: it was altered or forged."
            )
        for head in checkpoint.heads:
            anchors.by_log[head.log].append((checkpoint, head))
        expected, previous, anchors.latest = row.seq + 1, checkpoint.hash, checkpoint
    if posted is not None:
        _compare_posted(posted, stored, anchors, names, outcome)
    return anchors


def _compare_posted(
    posted: Mapping[int, str],
    stored: Mapping[int, str],
    anchors: Anchors,
    names: Mapping[int, str],
    outcome: Outcome,
) -> None:
    """The record channel's copies against the database: a checkpoint rewritten after it was posted, or dropped,
    means the database was rewritten, however consistent it is now."""
    for seq, posted_hash in sorted(posted.items()):
        if seq not in stored:
            outcome.problems.append(f"Checkpoint #{seq}, posted to the record channel, is missing from the database.")
        elif stored[seq] != posted_hash:
            fixed = [log_name(log, names) for log, heads in sorted(anchors.by_log.items()) if _fixes(heads, seq)]
            outcome.problems.append(
                f"Checkpoint #{seq} differs from the one posted to the record channel: the record was rewritten "
                f"after it was posted ({f'it fixed {_listed(fixed)}' if fixed else 'an earlier checkpoint was'})."
            )
    newest_posted = max(posted, default=0)
    unposted = [seq for seq in stored if seq not in posted]
    if any(seq < newest_posted for seq in unposted):
        early = ", ".join(f"#{seq}" for seq in unposted if seq < newest_posted)
        outcome.problems.append(f"Checkpoints {early} were never posted to the record channel, though later ones were.")
    late = [seq for seq in unposted if seq > newest_posted]
    if late:
        outcome.notes.append(f"Checkpoints #{late[0]}-#{late[-1]} are not in the record channel yet.")


def _fixes(heads: Sequence[tuple[Checkpoint, Head]], seq: int) -> bool:
    return any(checkpoint.seq == seq for checkpoint, _head in heads)


def _listed(names: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


def _incident_refs(connection: Connection) -> dict[int, str]:
    return {incident_id: ref for incident_id, ref in connection.execute(select(Incident.id, Incident.ref))}


def _grown_since(connection: Connection, anchors: Anchors, since: datetime) -> list[int]:
    """Logs fixed by a checkpoint from ``since`` on, and logs that grew after their last checkpoint."""
    fixed = {log for log, heads in anchors.by_log.items() if any(c.at >= since for c, _h in heads)}
    checkpointed = select(func.max(RecordHead.size)).where(RecordHead.log == RecordLog.log).scalar_subquery()
    growing = connection.scalars(select(RecordLog.log).where(RecordLog.size > func.coalesce(checkpointed, 0)))
    return sorted(fixed | set(growing))


def _ranges(connection: Connection, logs: Sequence[int] | None) -> Iterable[tuple[int, int]]:
    """(first, last) log ranges to read: the logs asked for one by one; else the system log alone, then the
    incidents ``BATCH`` at a time."""
    if logs is not None:
        for log in sorted(set(logs)):
            yield log, log
        return
    yield SYSTEM_LOG, SYSTEM_LOG
    last = max(
        connection.scalar(select(func.max(Incident.id))) or 0, connection.scalar(select(func.max(RecordLog.log))) or 0
    )
    for lo in range(1, last + 1, BATCH):
        yield lo, min(lo + BATCH - 1, last)


def verify_database(
    engine: Engine,
    public: Ed25519PublicKey | None,
    *,
    ref: str | None = None,
    logs: Sequence[int] | None = None,
    since: datetime | None = None,
    posted: Mapping[int, str] | None = None,
) -> Outcome:
    """:func:`verify` in one read-only snapshot of ``engine``'s database (PostgreSQL: repeatable read, so writers
    carry on meanwhile and are not mistaken for tampering): the incident ``ref``'s log, the ``logs`` given, or
    every log."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if ref is not None:
                logs = [_log_of(connection, ref)]
            return verify(connection, public, logs=logs, since=since, posted=posted)


def _log_of(connection: Connection, ref: str) -> int:
    incident_id = connection.scalar(select(Incident.id).where(Incident.ref == normalise_ref(ref)))
    if incident_id is None:
        raise no_incident(ref)
    return int(incident_id)
