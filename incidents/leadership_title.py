"""A standard incident's title as leadership reads it, kept on the incident (``leadership_title``).

It is the title with what the personal-data detector found in it when it was written, and the identifiers of the
incident's parties, replaced by what they are ("[handle]", "Affected person"). Pages (a lock screen), the
leadership digest, the channel's name (:mod:`incidents.channel_words`) and the analysts' SQL views
(docs/reporting.md) name a standard incident by it; the views cannot mask, so it is stored: at declare, when a
party is added or erased, and by ``vigil redaction rescan`` (rows written before it existed, or scanned by another
detector version). A row without it is named by its neutral title in the views, never by its own.

The leadership review and list mask the title at read time, with the people Vigil knows on top (role holders'
display names are learned after the declare, so they cannot be masked when it is written).
"""

from __future__ import annotations

from collections.abc import Mapping

from incidents.models import Incident
from incidents.parties.tokens import party_tokens
from incidents.privacy.scan import findings, is_current


def leadership_title(incident: Incident) -> str:
    """As stored when it was made from the title's current scan; else made now (a row scanned by another detector
    version, or written before the title was stored). The incident must be in a session (its parties are read)."""
    stored = incident.leadership_title
    return stored if stored is not None and is_current(incident.pii) else masked_title(incident)


def store_leadership_title(incident: Incident) -> None:
    """Make it again from the title's scan and the incident's parties: call after either changes, once the title
    has been scanned (after a flush), so its findings are not detected twice."""
    incident.leadership_title = masked_title(incident)


def masked_title(incident: Incident, parties: Mapping[str, str] | None = None) -> str:
    """The title masked now; ``parties`` (identifier → token) are read from the database unless given (a declare
    knows its incidents have none yet)."""
    # Imported here: masking loads the detector's labels, which readers of the stored title never need.
    from incidents.reviews.redact import masked

    identifiers = party_tokens(incident) if parties is None else parties
    return masked(incident.title, findings(incident.pii, "title", incident.title), identifiers)
