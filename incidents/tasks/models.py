"""Playbook steps added to an incident as tasks. Behaviour lives in :mod:`.service`.

A task's text is policy text (the playbook's), never text from people, so it is not scanned for personal data;
a skip's reason is, and is shown to the incident's members only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime
from incidents.models import Incident, Name, PersonKey, _enum


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"


class Task(Base):
    """One step of one playbook on one incident: ``(incident, playbook, step_key)`` is unique, so playbooks that
    apply again after a change never add a step twice. Late is derived from ``due_at``, never stored."""

    __tablename__ = "tasks"
    __personal_text__ = ("skip_reason",)
    __table_args__ = (UniqueConstraint("incident_id", "playbook", "step_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    playbook: Mapped[str] = mapped_column(Name)
    step_key: Mapped[str] = mapped_column(Name)
    position: Mapped[int] = mapped_column(Integer)
    """Order of the step within its playbook, so lists read as the playbook does."""
    text: Mapped[str] = mapped_column(String(300))
    owner_role: Mapped[str] = mapped_column(Name)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    after_step: Mapped[str | None] = mapped_column(Name)
    """The step of the same playbook whose completion ``due_at`` counts from (re-planned when it is done)."""
    offset_minutes: Mapped[int] = mapped_column(Integer)
    source_url: Mapped[str] = mapped_column(String(1000))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus, 16), default=TaskStatus.OPEN, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_by: Mapped[str | None] = mapped_column(PersonKey)
    skip_reason: Mapped[str | None] = mapped_column(Text)
    pii: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Where personal data sits in the skip reason (:mod:`incidents.privacy.scan`)."""
    incident: Mapped[Incident] = relationship()

    def is_late(self, now: datetime) -> bool:
        """Open past its due time, or finished after it."""
        return (self.finished_at or now) > self.due_at
