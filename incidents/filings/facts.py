"""What Vigil knows of an incident, as the policy pack's facts (:class:`~incidents.policy.filings.Fact`) name it:
each fact is read from the incident, its clock, its review and its parties, and is None when nothing is known, so
the packet lists the field as still missing rather than guessing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from incidents.models import Clock, Incident
from incidents.parties.models import PartyRole
from incidents.parties.service import ListedParty, describe
from incidents.people import Names
from incidents.policy.filings import Fact
from incidents.reviews.formatting import when
from incidents.reviews.models import Review


@dataclass(frozen=True)
class Known:
    """What the facts are read from, loaded by the caller."""

    incident: Incident
    clock: Clock
    review: Review | None
    parties: Sequence[ListedParty] | None
    """None: the reader may not see the case's parties (:attr:`incidents.access.Act.SEE_PARTIES`)."""
    names: Names
    """Everyone the incident names, and the clock's owners with their e-mails."""


PARTY_FACTS: dict[Fact, PartyRole] = {
    Fact.SUBJECT_ACCOUNTS: PartyRole.SUBJECT_ACCOUNT,
    Fact.AFFECTED_PEOPLE: PartyRole.AFFECTED_PERSON,
}
"""Facts told from the case's parties: withheld, not missing, from a reader who may not see them."""


def _summary(k: Known) -> str | None:
    return k.incident.summary.strip() or None


def _occurred(k: Known) -> str | None:
    return when(k.incident.occurred_at) if k.incident.occurred_at else None


def _detected(k: Known) -> str | None:
    incident = k.incident
    told = [when(incident.detected_at)] if incident.detected_at else []
    told += [f"through {incident.detection_source}"] if incident.detection_source else []
    return ", ".join(told) or None


def _aware(k: Known) -> str:
    return f"{when(k.clock.trigger_at)}, by {k.names.display(k.clock.aware_by)}"


def _mitigated(k: Known) -> str | None:
    return when(k.incident.mitigated_at) if k.incident.mitigated_at else None


def _impact(k: Known) -> str | None:
    said = [u.impact.strip() for u in k.incident.updates if u.impact and u.impact.strip()]
    return said[-1] if said else None


def _people_affected(k: Known) -> str | None:
    return (k.review.people_affected.strip() or None) if k.review else None


def _measures(k: Known) -> str | None:
    lines = [f"Mitigated {when(k.incident.mitigated_at)}."] if k.incident.mitigated_at else []
    lines += [f"- {a.title} ({a.status.label.lower()})" for a in k.incident.actions]
    return "\n".join(lines) or None


def _contact(k: Known) -> str | None:
    holders = k.incident.current_holders(k.clock.owner_role)
    return "; ".join(_reachable(k.names, key) for key in holders) or None


def _reachable(names: Names, key: str) -> str:
    person = names.people.get(key)
    email = f" <{person.email}>" if person is not None and person.email else ""
    return f"{names.display(key)}{email}"


def _evidence(k: Known) -> str | None:
    ref = k.incident.external_ref
    return f"Held in the case or evidence system as {ref}." if ref else None


def _parties(role: PartyRole) -> Callable[[Known], str | None]:
    def told(k: Known) -> str | None:
        listed = [p for p in k.parties or () if p.party.role_in_case is role and p.party.erased_at is None]
        return "\n".join(describe(p) for p in listed) or None

    return told


FACTS: dict[Fact, Callable[[Known], str | None]] = {
    Fact.SUMMARY: _summary,
    Fact.OCCURRED: _occurred,
    Fact.DETECTED: _detected,
    Fact.AWARE: _aware,
    Fact.MITIGATED: _mitigated,
    Fact.IMPACT: _impact,
    Fact.PEOPLE_AFFECTED: _people_affected,
    Fact.MEASURES: _measures,
    Fact.CONTACT: _contact,
    Fact.EVIDENCE: _evidence,
    **{fact: _parties(role) for fact, role in PARTY_FACTS.items()},
}
