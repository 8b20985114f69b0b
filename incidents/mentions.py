"""Who a piece of text mentions, kept beside the text instead of inside it.

Text reaches the domain plain (``@Alice please check``); a :class:`Mention` says which span of it names which
person. Adapters decide how to show the span (a live Slack mention, a name, a role token for leadership), and
nothing a person types can ever become a mention: only spans the adapter recorded are people. Timeline entries
keep their mentions in ``data["mentions"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from incidents.errors import VigilError
from incidents.guards import BIDI_CONTROLS

MENTIONS_KEY = "mentions"
"""Where a timeline entry's ``data`` holds its mentions."""

STORED_MENTION = re.compile(r"<@([^<>|\s]+)(?:\|[^<>]*)?>")
"""A person as Vigil's own entries (and entries from before mentions were kept beside the text) store them:
``<@key>``, perhaps with Slack's ``|label``; the one group is the key."""


@dataclass(frozen=True)
class Mention:
    """``text[start:end]`` (``@name``) refers to the person ``key``."""

    key: str
    start: int
    end: int

    def as_data(self) -> dict[str, Any]:
        return {"key": self.key, "start": self.start, "end": self.end}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Mention:
        return cls(key=str(data["key"]), start=int(data["start"]), end=int(data["end"]))


def anchored(text: str, mentions: Iterable[Mention]) -> tuple[str, list[Mention]]:
    """``text`` as the services store it (stripped, without bidirectional controls: :func:`incidents.guards.plain`),
    with the spans moved along; refuses spans that do not cover an ``@name`` of the text or that overlap, so a
    stored span always points at what it names."""
    kept = [i for i, c in enumerate(text) if c not in BIDI_CONTROLS]
    before = [0] * (len(text) + 1)  # before[i]: how many of text[:i] are kept
    for i in kept:
        before[i + 1] = 1
    for i in range(len(text)):
        before[i + 1] += before[i]
    cleaned = "".join(text[i] for i in kept)
    stripped = cleaned.strip()
    lead = len(cleaned) - len(cleaned.lstrip())

    def at(offset: int) -> int:
        return before[offset] - lead if 0 <= offset <= len(text) else -1

    moved = sorted((Mention(m.key, at(m.start), at(m.end)) for m in mentions), key=lambda m: m.start)
    previous_end = 0
    for mention in moved:
        inside = previous_end <= mention.start < mention.end <= len(stripped)
        if not mention.key or not inside or stripped[mention.start] != "@":
            raise VigilError("A mention does not match the text it is in; write the text again.", field="mentions")
        previous_end = mention.end
    return stripped, moved


def mentions_data(mentions: Iterable[Mention]) -> list[dict[str, Any]]:
    return [m.as_data() for m in mentions]


def stored_mentions(data: Mapping[str, Any]) -> list[Mention] | None:
    """The mentions of a timeline entry's ``data``; None for entries written before mentions were structured."""
    raw = data.get(MENTIONS_KEY)
    if raw is None:
        return None
    return [Mention.from_data(item) for item in raw]
