"""The role tokens that stand for an incident's parties ("Reporter", "Witness 2") and the identifiers they replace:
what every renderer needs to mask parties by value, apart from the parties' use cases (:mod:`.service`)
so that renderers (reviews, pages, listings) can import it without importing the use cases, which need every
model registered and so import :mod:`incidents.schema`, which imports the reviews.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from incidents.models import Incident
from incidents.parties.models import Party, PartyRole


def party_tokens(incident: Incident) -> dict[str, str]:
    """Every identifier of the incident's parties not yet erased (name, handle with and without "@", account id,
    contact) → its role token, for renderers that must mask them by value in text written by people.

    Match keys without regard to case, longest first (a name may contain a handle). Writes no audit event: it
    shows nothing, it only hides. The incident must be attached to a session.
    """
    session = object_session(incident)
    if session is None:
        raise ValueError("party_tokens needs an incident loaded in a session")
    parties = list(session.scalars(parties_query(incident)))
    tokens = tokens_by_number(parties)
    return {identifier: tokens[p.number] for p in parties if p.erased_at is None for identifier in identifiers_of(p)}


def parties_query(incident: Incident) -> Any:
    return select(Party).where(Party.incident_id == incident.id).order_by(Party.number)


def tokens_by_number(parties: Iterable[Party]) -> dict[int, str]:
    """Party number → token: the role's label, then "Witness 2", "Witness 3"… in the order parties were added.
    Erased parties keep their place, so a token already written into the record never comes to mean someone
    else."""
    seen: Counter[PartyRole] = Counter()
    tokens: dict[int, str] = {}
    for party in sorted(parties, key=lambda p: p.number):
        seen[party.role_in_case] += 1
        nth = seen[party.role_in_case]
        tokens[party.number] = party.role_in_case.label if nth == 1 else f"{party.role_in_case.label} {nth}"
    return tokens


def identifiers_of(party: Party) -> list[str]:
    values = [party.name, party.account_id, party.contact]
    if party.handle:
        values += [party.handle, f"@{party.handle}"]
    return [v for v in values if v]
