"""The scheduler's tables: the nudges already decided (so each happens once) and APScheduler's job store."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Float, ForeignKey, LargeBinary, String, Table, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime
from incidents.models import Incident
from incidents.outbox import Topic


class NudgeKind(StrEnum):
    """What a nudge is about. Each kind is delivered through its own outbox topic (:attr:`topic`)."""

    UPDATE_DUE = "update_due"
    CLOCK_REMINDER = "clock_reminder"
    CLOCK_OVERDUE = "clock_overdue"
    ACTION_DUE_SOON = "action_due_soon"
    ACTION_OVERDUE = "action_overdue"
    TASK_DUE_SOON = "task_due_soon"
    TASK_OVERDUE = "task_overdue"
    REFERRAL_OVERDUE = "referral_overdue"
    REVIEW_DUE = "review_due"
    HANDOFF_BOUNDARY = "handoff_boundary"
    HANDOFF_ESCALATION = "handoff_escalation"
    ROTATE = "rotate"
    CHECKIN = "checkin"
    ACTIONS_DIGEST = "actions_digest"
    LEADERSHIP_DIGEST = "leadership_digest"

    @property
    def topic(self) -> Topic:
        return Topic(f"nudge.{self.value}")


class Nudge(Base):
    """A reminder, prompt or digest Vigil decided to send.

    ``(kind, subject, due_at)`` is unique: ``subject`` names what it is about ("incident:12", "clock:3",
    "person:U1@incident:12") and ``due_at`` the moment that made it due, so a tick that runs twice, a restart or
    a second replica can never send it twice, while a re-planned due time is a new nudge. ``recipients`` and
    ``details`` are decided when it falls due (who held the role then; the digest's figures), so a delivery
    retried later says the same thing.
    """

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("kind", "subject", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_to: Mapped[str | None] = mapped_column(String(64))
    delivery_ref: Mapped[str | None] = mapped_column(String(64))

    incident: Mapped[Incident | None] = relationship()


JOBS_TABLE = "scheduler_jobs"

scheduler_jobs = Table(
    JOBS_TABLE,
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
"""APScheduler 3's job-store layout, declared here so Alembic creates it and schema checks know it."""
