"""Pages: who Vigil woke for an incident, through which service, and what came back. Columns only; behaviour
lives in :mod:`incidents.paging.service`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime
from incidents.models import Incident, Name, PersonKey, _enum


class PageState(StrEnum):
    QUEUED = "queued"
    """Recorded; the outbox is delivering the trigger."""
    SENT = "sent"
    """The paging service accepted the trigger."""
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    """Not acknowledged within the target: the next service was paged."""
    RESOLVED = "resolved"


class Page(Base):
    """One page of one incident through one service: unique, so a page is sent once per incident and service
    however many times it is asked for (the service's de-duplication key is the incident's reference and the
    service)."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("incident_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(Name)
    """The policy pack's name for the service (its routing key is a secret of the settings)."""
    provider: Mapped[str] = mapped_column(String(16))
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[PageState] = mapped_column(_enum(PageState, 16))
    level: Mapped[int] = mapped_column(Integer, default=0)
    """0 for a first page; n for the n-th escalation."""
    reason: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(PersonKey)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    """The responder's name as the paging service gives it."""
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_noted: Mapped[bool] = mapped_column(default=False)
    """The channel was told that the paging service is not answering (once)."""
    on_call: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Who the service said is on call (``[{"name", "email"}]``), looked up after the trigger."""
    last_error: Mapped[str | None] = mapped_column(Text)
    incident: Mapped[Incident] = relationship()
