"""Signed checkpoints: every log that grew since the last checkpoint, at its size and Merkle root, signed, and
naming the hash of the checkpoint before it (so dropping, changing or reordering checkpoints breaks the chain, as
CloudTrail's hourly digests do). Made at least hourly by the scheduler and after every resolve and publish
(:mod:`incidents.record.hook` queues one); each one's hash is then posted outside the database
(``Topic.RECORD_ANCHOR``), so that even a consistent rewrite of the whole database, key and all, is caught.

Checkpoints are made one at a time on every replica: a PostgreSQL advisory lock held to the end of the
transaction (SQLite serialises writers anyway). Appending never waits for a checkpoint: it reads committed log
heads, which only appenders write.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.orm import Session

from incidents.context import Ctx
from incidents.db import on_postgresql
from incidents.outbox import Topic, enqueue
from incidents.record.canonical import canonical, plain
from incidents.record.merkle import Tree, leaf_hash
from incidents.record.models import RecordCheckpoint, RecordHead, RecordLeaf, RecordLog
from incidents.record.signing import Signer

CHECKPOINT_VERSION = 1
LOCK_KEY = zlib.crc32(b"vigil.record.checkpoint")
HOURLY = "hourly"


@dataclass(frozen=True)
class Head:
    log: int
    size: int
    root: str


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    at: datetime
    hash: str
    previous: str
    reason: str
    key: str
    heads: tuple[Head, ...]

    @property
    def name(self) -> str:
        """How people see it: "checkpoint #12 (2026-12-07 10:00 UTC)"."""
        return f"checkpoint #{self.seq} ({self.at:%Y-%m-%d %H:%M} UTC)"


def read(row: RecordCheckpoint | Row[Any]) -> Checkpoint:
    """A stored checkpoint (a model, or a row of its columns) as its body says; the signature is verification's to
    check, not this."""
    body = json.loads(row.body)
    heads = tuple(Head(int(log), int(size), str(root)) for log, size, root in body.get("heads", ()))
    return Checkpoint(
        row.seq,
        row.at,
        checkpoint_hash(row.body),
        str(body.get("previous", "")),
        str(body.get("reason", "")),
        str(body.get("key", "")),
        heads,
    )


def checkpoint_hash(body: str) -> str:
    """What is posted outside the database: the hex SHA-256 of the checkpoint's body."""
    return hashlib.sha256(body.encode()).hexdigest()


def make_checkpoint(ctx: Ctx, signer: Signer, reason: str, *, anchored: bool) -> Checkpoint:
    """Sign the heads of every log that grew since the last checkpoint (none may have: an hourly checkpoint is
    made anyway, to show the record was kept). ``anchored``: queue its posting to the record channel."""
    session = ctx.session
    if on_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    latest = session.scalar(select(RecordCheckpoint).order_by(RecordCheckpoint.seq.desc()).limit(1))
    seq = 1 if latest is None else latest.seq + 1
    heads = [Head(log, size, root_at(session, log, size).hex()) for log, size in _grown(session)]
    now = ctx.now()
    body = canonical(
        {
            "v": CHECKPOINT_VERSION,
            "seq": seq,
            "at": plain(now),
            "previous": "" if latest is None else checkpoint_hash(latest.body),
            "reason": reason,
            "key": signer.key_id,
            "heads": [[h.log, h.size, h.root] for h in heads],
        }
    )
    row = RecordCheckpoint(seq=seq, at=now, body=body.decode(), signature=signer.sign(body))
    session.add(row)
    session.add_all(RecordHead(log=h.log, seq=seq, size=h.size) for h in heads)
    if anchored:
        enqueue(session, Topic.RECORD_ANCHOR, now=now, payload={"seq": seq})
    return read(row)


def _grown(session: Session) -> list[tuple[int, int]]:
    """Each log longer than its last checkpoint had it, with its committed size."""
    checkpointed = select(func.max(RecordHead.size)).where(RecordHead.log == RecordLog.log).scalar_subquery()
    query = select(RecordLog.log, RecordLog.size).where(RecordLog.size > func.coalesce(checkpointed, 0))
    return [(log, size) for log, size in session.execute(query.order_by(RecordLog.log))]


def root_at(session: Session, log: int, size: int) -> bytes:
    """The Merkle root of the log's first ``size`` leaves, as stored."""
    bodies = session.scalars(
        select(RecordLeaf.body).where(RecordLeaf.log == log, RecordLeaf.idx < size).order_by(RecordLeaf.idx)
    )
    return root_of_bodies(bodies)


def root_of_bodies(bodies: Iterable[str]) -> bytes:
    tree = Tree()
    for body in bodies:
        tree.add(leaf_hash(body.encode()))
    return tree.root()


def latest_checkpoint(session: Session) -> Checkpoint | None:
    row = session.scalar(select(RecordCheckpoint).order_by(RecordCheckpoint.seq.desc()).limit(1))
    return None if row is None else read(row)


def checkpoints_of(session: Session, log: int) -> list[tuple[RecordCheckpoint, Any]]:
    """The checkpoints that fixed ``log``, oldest first, each with the size they fixed it at."""
    rows = session.execute(
        select(RecordCheckpoint, RecordHead.size)
        .join(RecordHead, RecordHead.seq == RecordCheckpoint.seq)
        .where(RecordHead.log == log)
        .order_by(RecordCheckpoint.seq)
    )
    return [(checkpoint, size) for checkpoint, size in rows]


def checkpoint_numbered(session: Session, seq: int) -> Checkpoint:
    row = session.get(RecordCheckpoint, seq)
    if row is None:
        raise LookupError(f"no record checkpoint #{seq}")
    return read(row)
