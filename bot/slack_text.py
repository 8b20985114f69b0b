"""Text arriving from Slack → plain text for the domain, with who it mentions kept apart.

Slack sends command and message text with its markup: typed ``&<>`` as entities, people as ``<@U123|name>``
(or ``<@U123>``), channels as ``<#C1|name>``, links as ``<url|label>``, broadcasts as ``<!here>``. The domain
stores what the person saw instead (``@name``, ``#name``, ``label (url)``, ``@here``), and the people mentioned
as :class:`~incidents.mentions.Mention` spans, so stored text never carries markup that could come back to
life, and only the people someone really picked from Slack's @ menu are mentioned again when Vigil echoes it.

Modal ``plain_text_input`` values need none of this: Slack hands them over as typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from incidents.mentions import Mention
from incidents.people import is_directory_id

_MARKUP = re.compile(r"<([^<>]*)>")


@dataclass(frozen=True)
class Plain:
    text: str
    mentions: tuple[Mention, ...] = ()


def from_slack(text: str, names: Mapping[str, str] | None = None) -> Plain:
    """``text`` as the person saw it. ``names`` names people Slack sent without a label (``<@U123>``, as in
    message text); anyone else shows as their id."""
    names = names or {}
    out: list[str] = []
    mentions: list[Mention] = []
    length = cursor = 0

    def emit(piece: str) -> None:
        nonlocal length
        out.append(piece)
        length += len(piece)

    for markup in _MARKUP.finditer(text):
        emit(_unescape(text[cursor : markup.start()]))
        cursor = markup.end()
        target, _, label = markup.group(1).partition("|")
        label = _unescape(label)
        kind, rest = target[:1], target[1:]
        if kind == "@" and is_directory_id(rest):
            shown = f"@{label or names.get(rest) or rest}"
            mentions.append(Mention(rest, length, length + len(shown)))
            emit(shown)
        elif kind == "#":
            emit(f"#{label or rest}")
        elif kind == "!":
            emit(label or f"@{rest.split('^', 1)[0]}")  # <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        else:
            url = _unescape(target)
            emit(f"{label} ({url})" if label and url not in (label, f"mailto:{label}") else label or url)
    emit(_unescape(text[cursor:]))
    return Plain("".join(out), tuple(mentions))


def _unescape(text: str) -> str:
    """Undo exactly what Slack escapes (``&amp;`` last, so a typed ``&lt;`` stays as typed)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_ids(text: str) -> set[str]:
    """The user ids Slack markup in ``text`` mentions (to look up names before :func:`from_slack`)."""
    return {m.group(1)[1:].split("|", 1)[0] for m in _MARKUP.finditer(text) if m.group(1).startswith("@")}
