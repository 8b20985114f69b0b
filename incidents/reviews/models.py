"""The post-incident review: the parts people write. Everything measured comes from the incident itself."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime
from incidents.models import Incident, PersonKey, _enum


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Minors(StrEnum):
    """Whether minors were involved: "unknown" is an honest answer and the default."""

    UNKNOWN = "unknown"
    YES = "yes"
    NO = "no"


class Review(Base):
    """One review per incident, editable until published, then frozen."""

    __tablename__ = "reviews"
    __personal_text__ = (
        "executive_summary",
        "people_affected",
        "content_exposure",
        "attention",
        "contributing_factors",
        "went_well",
        "went_poorly",
        "got_lucky",
        "care_for_affected",
        "wellbeing_note",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    status: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus))
    owner: Mapped[str | None] = mapped_column(PersonKey)
    executive_summary: Mapped[str] = mapped_column(Text, default="")
    people_affected: Mapped[str] = mapped_column(Text, default="")
    minors_involved: Mapped[Minors] = mapped_column(_enum(Minors, 8), default=Minors.UNKNOWN)
    content_exposure: Mapped[str] = mapped_column(Text, default="")
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    attention: Mapped[str] = mapped_column(Text, default="")
    contributing_factors: Mapped[str] = mapped_column(Text, default="")
    went_well: Mapped[str] = mapped_column(Text, default="")
    went_poorly: Mapped[str] = mapped_column(Text, default="")
    got_lucky: Mapped[str] = mapped_column(Text, default="")
    care_for_affected: Mapped[str] = mapped_column(Text, default="")
    wellbeing_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(PersonKey)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(PersonKey)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the narrative last passed the publish gate's personal-data check; any edit clears it."""
    cleared_by: Mapped[str | None] = mapped_column(PersonKey)
    not_personal: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Findings the author marked, at the gate, as not personal data (the exact text): leadership may read them."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    pii: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Where personal data sits in this row's free text (:mod:`incidents.privacy.scan`); None until scanned."""

    incident: Mapped[Incident] = relationship()

    @property
    def leadership_cleared(self) -> bool:
        return self.cleared_at is not None

    __mapper_args__ = {"version_id_col": version}
