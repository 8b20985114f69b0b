"""A filing packet filled from an incident: the policy's fields, each with what Vigil knows for it, still missing,
or withheld from this reader. Pure: :mod:`.service` loads what it is filled from and decides who may read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from incidents.clocks.standing import ClockStanding, clock_standing
from incidents.filings.facts import FACTS, PARTY_FACTS, Known
from incidents.policy.filings import FilingField, FilingPolicy


class FieldState(StrEnum):
    FILLED = "filled"
    MISSING = "missing"
    """Vigil does not know it: the filer must find it out before sending."""
    WITHHELD = "withheld"
    """Vigil knows it, but it is the case's parties and this reader may not see them."""


@dataclass(frozen=True)
class PacketField:
    key: str
    label: str
    cite: str
    state: FieldState
    value: str | None


@dataclass(frozen=True)
class Packet:
    ref: str
    clock_id: int
    regime: str
    clock_name: str
    standing: ClockStanding
    filing: FilingPolicy
    fields: tuple[PacketField, ...]
    filed_by: str | None
    """Who recorded the submission, by name, once it is recorded (the clock holds when, and its reference)."""

    @property
    def missing(self) -> tuple[PacketField, ...]:
        return tuple(f for f in self.fields if f.state is FieldState.MISSING)

    @property
    def as_of(self) -> date:
        return self.filing.last_verified

    def as_json(self) -> dict[str, Any]:
        clock = self.standing.clock
        return {
            "ref": self.ref,
            "clock": {
                "id": self.clock_id,
                "regime": self.regime,
                "name": self.clock_name,
                "state": self.standing.state.value,
                "due_at": _iso(clock.due_at),
                "filed_at": _iso(clock.satisfied_at),
                "filed_by": self.filed_by,
                "reference": clock.reference_id,
            },
            "filing": {
                "title": self.filing.title,
                "recipient": self.filing.recipient,
                "notes": self.filing.notes,
                "source_url": self.filing.source_url,
                "as_of": self.as_of.isoformat(),
            },
            "fields": [
                {"key": f.key, "label": f.label, "cite": f.cite, "state": f.state.value, "value": f.value}
                for f in self.fields
            ],
            "missing": [f.key for f in self.missing],
        }


def fill(filing: FilingPolicy, known: Known, now: datetime) -> Packet:
    """The packet as of ``now``: a field asked only of a late filing is there when the filing is (or would now
    be) late."""
    standing = clock_standing(known.clock, now)
    clock = known.clock
    return Packet(
        ref=known.incident.ref,
        clock_id=clock.id,
        regime=clock.regime,
        clock_name=clock.name,
        standing=standing,
        filing=filing,
        fields=tuple(_field(f, known) for f in filing.fields if standing.late or not f.when_late),
        filed_by=known.names.display(clock.satisfied_by) if clock.satisfied_by else None,
    )


def _field(field: FilingField, known: Known) -> PacketField:
    def made(state: FieldState, value: str | None = None) -> PacketField:
        return PacketField(field.key, field.label, field.cite, state, value)

    if field.fact is None:
        return made(FieldState.MISSING)
    if field.fact in PARTY_FACTS and known.parties is None:
        return made(FieldState.WITHHELD)
    value = FACTS[field.fact](known)
    return made(FieldState.MISSING) if value is None else made(FieldState.FILLED, value)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
