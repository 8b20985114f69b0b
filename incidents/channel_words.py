"""The words an incident's Slack channel is named by (``inc-2026-0042-<words>``).

A channel's name travels further than anything posted in it: Slack's admin views, exports, search, notifications
and the sidebar of everyone in the channel show it. So it is made from facts meant for that audience, never from
what people typed about a person: a restricted or highly restricted incident is named by its types alone
(``inc-2026-0042-child-safety``); a standard one by its title as leadership reads it
(:mod:`incidents.leadership_title`), without what was masked in it. When those facts change (its tier, its types,
its parties, its title), the channel is renamed to follow them.
"""

from __future__ import annotations

from incidents.leadership_title import leadership_title
from incidents.models import Incident


def channel_words(incident: Incident) -> str:
    """Words to slug: the type keys of a restricted incident; a standard one's title as leadership reads it, with
    the labels of what was masked left out (a role token such as "Affected person" stays: it names no one)."""
    if incident.tier.is_restricted:
        return " ".join(incident.type_names)
    # Imported here, as the masking is: the labels are the detector's.
    from incidents.reviews.redact import MASKS

    words = leadership_title(incident)
    for label in MASKS:
        words = words.replace(label, " ")
    return words
