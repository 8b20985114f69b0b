"""Referrals: part of an incident handed to another process (a user dispute, an insurance claim, the police...)
with its own reference, tracked to closure. Behaviour lives in :mod:`.service`."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime
from incidents.models import Incident, Name, PersonKey, _enum


class ReferralStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    DECIDED = "decided"
    CLOSED = "closed"
    DECLINED = "declined"

    @property
    def is_open(self) -> bool:
        """Still waiting on the other process: not yet decided, closed or declined."""
        return self in (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)

    @property
    def label(self) -> str:
        return "In progress" if self is ReferralStatus.IN_PROGRESS else self.value.capitalize()


class Referral(Base):
    """One hand-over. Each status has the moment it was reached (None when skipped or not yet reached), so time to
    acceptance and to decision are read off the row."""

    __tablename__ = "referrals"
    __personal_text__ = ("note", "outcome", "reason")
    __table_args__ = (Index("ix_referrals_open_due", "status", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(Name)
    """A key of the policy pack's ``referral_kinds``."""
    status: Mapped[ReferralStatus] = mapped_column(_enum(ReferralStatus))
    owner: Mapped[str | None] = mapped_column(PersonKey)
    due_date: Mapped[date | None] = mapped_column(Date)
    external_ref: Mapped[str | None] = mapped_column(String(200))
    """The other process's reference (dispute case, claim number, police reference)."""
    note: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    """Why it was declined."""
    requested_by: Mapped[str] = mapped_column(PersonKey)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pii: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Where personal data sits in this row's free text (:mod:`incidents.privacy.scan`); None until scanned."""
    tracker_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    """The Jira issue it was filed as, when its kind names a Jira project (:mod:`incidents.tracker`)."""
    incident: Mapped[Incident] = relationship()
