"""The record's tables. None has a foreign key to what it records: a deleted incident or row must leave its leaves
behind, or the deletion could not be seen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime
from incidents.models import PersonKey

HASH_HEX = String(64)


class RecordLog(Base):
    """A log's head: how many leaves it has and the hash of the last. Appending updates it, so the row's lock orders
    the log's writers on every replica (:mod:`incidents.record.log`). An incident's log is keyed by its id; what
    belongs to no incident is in :data:`incidents.record.subjects.SYSTEM_LOG`."""

    __tablename__ = "record_logs"
    log: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(HASH_HEX)
    """The hex leaf hash of the last leaf; empty while the log has none."""


class RecordLeaf(Base):
    """One leaf: ``body`` is the canonical JSON committed to; the salts of its hashed fields sit beside it."""

    __tablename__ = "record_leaves"
    log: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text)
    salts: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    """Field → hex salt of each salted field (:func:`incidents.record.canonical.salted_digest`); None once erased."""
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_by: Mapped[str | None] = mapped_column(PersonKey)
    erasure: Mapped[str | None] = mapped_column(String(64))
    """The audited action that erased the salts (``party.erase``, ``retention.purge``)."""


class RecordCheckpoint(Base):
    """A signed tree head for every log that grew since the checkpoint before it, whose hash it names."""

    __tablename__ = "record_checkpoints"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(128))
    """Ed25519 over the body's bytes, hex."""


class RecordHead(Base):
    """Which checkpoints fixed which log at which size: an index of the checkpoints' bodies (verification reads the
    bodies), so a checkpoint finds the logs that grew and a page finds its incident's checkpoints at once."""

    __tablename__ = "record_heads"
    log: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer)


class RecordCheck(Base):
    """The latest verification of a log by the scheduler (:mod:`incidents.record.checks`), which the incident's page
    and review show without verifying again on every view."""

    __tablename__ = "record_checks"
    log: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int | None] = mapped_column(Integer)
    """The latest checkpoint that fixed the log when it was verified; None before its first."""
    problems: Mapped[int] = mapped_column(Integer)


class LegalHold(Base):
    """A hold on an incident for a legal matter: while it is not released, nothing of the incident is erased or
    purged (:mod:`incidents.record.holds`)."""

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_incident_released", "incident_id", "released_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    matter: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(PersonKey)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_by: Mapped[str | None] = mapped_column(PersonKey)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RetentionPurge(Base):
    """What retention has purged of an incident (``what``: ``free_text`` or ``parties``), so the purge runs once."""

    __tablename__ = "retention_purges"
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    what: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
