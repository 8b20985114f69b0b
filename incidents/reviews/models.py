"""The post-incident review: the parts people write. Everything measured comes from the incident itself."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
    version: Mapped[int] = mapped_column(Integer, default=1)

    incident: Mapped[Incident] = relationship()

    __mapper_args__ = {"version_id_col": version}
