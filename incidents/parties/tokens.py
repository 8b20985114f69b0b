"""The role tokens that stand for an incident's parties ("Reporter", "Witness 2") and the identifiers they replace:
what every renderer needs to mask parties by value, apart from the parties' use cases (:mod:`.service`)
so that renderers (reviews, pages, listings) can import it without importing the use cases, which need every
model registered and so import :mod:`incidents.schema`, which imports the reviews.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
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


class PartyMasker:
    """Replaces parties' identifiers (identifier → token, as :func:`party_tokens` gives them) with their tokens in
    text as people wrote it, whole words only, without regard to case or how white space spreads them; counts the
    replacements. Erasure rewrites the record with it; an evidence package without personal data masks its copy."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = {_folded(identifier): token for identifier, token in tokens.items()}
        self._fallback = next(iter(set(tokens.values()))) if len(set(tokens.values())) == 1 else "[party]"
        """What a match is replaced by when case folding finds no token for it (one token: that one)."""
        alternatives = [_loose(identifier) for identifier in sorted(set(tokens), key=len, reverse=True)]
        self._pattern = (
            re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE) if alternatives else None
        )
        self.count = 0

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        masked, n = self._pattern.subn(lambda match: self._tokens.get(_folded(match[0]), self._fallback), value)
        self.count += n
        return masked

    def data(self, value: Any) -> Any:
        """The same inside JSON (timeline entries' data, audit details): strings in dicts and lists."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value


def _folded(identifier: str) -> str:
    return " ".join(identifier.split()).casefold()


def _loose(identifier: str) -> str:
    """A pattern for ``identifier`` that also matches it spread over other whitespace (a name across a line)."""
    return r"\s+".join(re.escape(word) for word in identifier.split())
