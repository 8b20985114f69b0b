"""Signals (reports from hotlines, in-app flags, classifiers, partners, alerts) and the groups they form.
Columns only; behaviour lives in :mod:`incidents.signals.intake` and :mod:`incidents.signals.triage`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime
from incidents.models import Incident, Name, PersonKey, _enum


class GroupState(StrEnum):
    WAITING = "waiting"
    """Nobody has decided yet: posted to the triage channel."""
    ATTACHED = "attached"
    """Belongs to an incident (declared from it, or attached by someone): its signals go on that timeline."""
    DISMISSED = "dismissed"
    """Someone decided it needs no incident, with a reason; signals that still arrive in its window count here."""


class SignalGroup(Base):
    """Signals that are about one thing: one ``group_key``, or one type and subject (or region) within a window.

    ``open_key`` is the grouping key while the group still takes new signals and NULL once its window has passed:
    unique, so two replicas that see the first signal of a group at once cannot both open one. A wave's reports
    never update this row (they would queue on its lock): how many there are and when the latest came is read from
    the signals themselves.
    """

    __tablename__ = "signal_groups"
    __table_args__ = (Index("ix_signal_groups_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    open_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    type: Mapped[str] = mapped_column(Name)
    region: Mapped[str | None] = mapped_column(Name)
    state: Mapped[GroupState] = mapped_column(_enum(GroupState, 16))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    declared: Mapped[bool] = mapped_column(default=False)
    """Its incident was declared from it (by a person or the policy), not an open one it was attached to."""
    decided_by: Mapped[str | None] = mapped_column(PersonKey)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    """Why it was dismissed (said by a person; shown to the team only)."""
    triage_post: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Where the chat adapter posted the group for triage (``{"channel": ..., "ts": ...}``), to keep it current."""
    incident: Mapped[Incident | None] = relationship()


class Signal(Base):
    """One report. ``subject`` and ``reporter`` hold personal data by definition: they reach no one but the
    incident's members (and the triage channel's team), whatever they contain."""

    __tablename__ = "signals"
    __personal_text__ = ("text",)
    __table_args__ = (
        UniqueConstraint("source", "external_ref"),
        Index("ix_signals_group_received", "group_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("signal_groups.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(Name)
    severity_hint: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(Name)
    group_key: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(500))
    reporter: Mapped[str | None] = mapped_column(String(320))
    text: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_by: Mapped[str] = mapped_column(PersonKey)
    noted: Mapped[bool] = mapped_column(default=False)
    """Counted in a coalesced entry on its incident's timeline."""
    pii: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    group: Mapped[SignalGroup] = relationship()


class SignalNoteDue(Base):
    """An attached group whose newest signals are waiting for their coalesced timeline entry: inserted (if absent)
    by the report that finds none due, deleted by the note. A row of its own, so that reports never lock each
    other to decide it."""

    __tablename__ = "signal_notes_due"

    group_id: Mapped[int] = mapped_column(ForeignKey("signal_groups.id", ondelete="CASCADE"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
