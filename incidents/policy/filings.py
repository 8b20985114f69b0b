"""A clock's filing packet in the policy pack: what the regulator (or the authority, or the record the law asks for)
is sent to meet the clock, field by field, each citing the provision that asks for it and naming the incident fact
Vigil fills it from. Regulatory facts change, so each packet carries its source and the date someone last checked
it, as the clocks do. :mod:`incidents.filings` fills packets from incidents.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Fact(StrEnum):
    """What Vigil knows of an incident that a packet's field can be filled from (:mod:`incidents.filings.facts`)."""

    SUMMARY = "summary"
    OCCURRED = "occurred"
    """When it happened."""
    DETECTED = "detected"
    """When and how it was detected."""
    AWARE = "aware"
    """When the clock started (awareness), and who became aware."""
    MITIGATED = "mitigated"
    IMPACT = "impact"
    """The latest status update's impact."""
    PEOPLE_AFFECTED = "people_affected"
    """What the review says of the people affected (how many, who)."""
    MEASURES = "measures"
    """What was done and is planned: the mitigation, and the corrective actions with their status."""
    CONTACT = "contact"
    """Whoever holds the clock's owner role (legal, usually), with their e-mail."""
    EVIDENCE = "evidence"
    """The case or evidence system's reference (the incident's external reference)."""
    SUBJECT_ACCOUNTS = "subject_accounts"
    AFFECTED_PEOPLE = "affected_people"
    """The last two are the case's parties, shown only to readers who may see them."""


class FilingField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: str = Field(min_length=1, max_length=200, description="what the regulator asks for, in its words")
    cite: str = Field(min_length=1, max_length=80, description="the provision that asks for it, e.g. Art. 33(3)(a)")
    fact: Fact | None = Field(
        default=None, description="the incident fact it is filled from; none: always left to the filer"
    )
    when_late: bool = Field(default=False, description="asked only when the filing is late (reasons for a delay)")


class FilingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=150)
    recipient: str = Field(min_length=1, max_length=600, description="who receives it, and how to pick them")
    fields: list[FilingField] = Field(min_length=1)
    notes: str = Field(default="", max_length=1000, description="what the filer should know beyond the fields")
    source_url: str = Field(pattern=r"^https?://")
    last_verified: date

    @model_validator(mode="after")
    def _keys_once(self) -> FilingPolicy:
        seen: set[str] = set()
        for field in self.fields:
            if field.key in seen:
                raise ValueError(f"fields.{field.key}: the key is used twice")
            seen.add(field.key)
        return self
