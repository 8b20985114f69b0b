"""The people a case is about (reporter, affected person, subject account, witness), kept as structured parties
so their identifiers can be masked by value and erased on request. Behaviour lives in :mod:`.service`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime
from incidents.models import Incident, PersonKey, _enum


class PartyRole(StrEnum):
    REPORTER = "reporter"
    AFFECTED_PERSON = "affected_person"
    SUBJECT_ACCOUNT = "subject_account"
    WITNESS = "witness"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The role token written in place of a party's identifiers ("Affected person", "Witness 2")."""
        return "Other party" if self is PartyRole.OTHER else self.value.replace("_", " ").capitalize()


class Party(Base):
    """One person in a case. Identifiers are nullable: erasure blanks them and keeps the row, so role tokens
    (numbered by order within a role) never shift and the audit trail still points at something."""

    __tablename__ = "incident_parties"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    """Per incident, from 1: how people address the party (``vigil parties erase INC-2026-0001 2``)."""
    role_in_case: Mapped[PartyRole] = mapped_column(_enum(PartyRole))
    name: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(320))
    """An e-mail address or a phone number."""
    created_by: Mapped[str] = mapped_column(PersonKey)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_by: Mapped[str | None] = mapped_column(PersonKey)
    incident: Mapped[Incident] = relationship()
