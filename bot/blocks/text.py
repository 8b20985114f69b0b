"""Small text helpers shared by the Block Kit builders: escaping, mentions, dates, truncation, block constructors.

Slack reads ``<!channel>``, ``<@U…>`` and ``<url|label>`` in mrkdwn and in a message's ``text`` as live pings
and links, whoever typed them. So text from people or other systems is escaped (:func:`escape`) wherever it goes
to Slack, and only markup Vigil itself builds stays live. Builders compose messages with :func:`md`, which
escapes every part it is given unless the part is :class:`Mrkdwn` (markup Vigil built: mentions, dates, channel
links); the block constructors escape any plain ``str`` they receive, so forgetting :func:`md` costs a mention,
never a ping.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from incidents.mentions import STORED_MENTION, Mention
from incidents.people import is_directory_id

Block = dict[str, Any]


class Mrkdwn(str):
    """mrkdwn Vigil composed: its markup is meant, and any text from people inside it is already escaped."""

    __slots__ = ()


def escape(text: str) -> str:
    """Slack's three control characters, so text shows as typed and never pings, links or formats a date."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe(text: str) -> Mrkdwn:
    """``text`` ready for mrkdwn: Vigil's own markup as it is, anything else escaped."""
    return text if isinstance(text, Mrkdwn) else Mrkdwn(escape(text))


def md(template: str, *parts: object, **named: object) -> Mrkdwn:
    """``template.format(...)`` with every part escaped unless it is :class:`Mrkdwn`. The template is Vigil's."""

    def part(value: object) -> str:
        return safe(value if isinstance(value, str) else str(value))

    return Mrkdwn(template.format(*(part(p) for p in parts), **{k: part(v) for k, v in named.items()}))


def join(separator: str, parts: Iterable[str]) -> Mrkdwn:
    return Mrkdwn(safe(separator).join(safe(p) for p in parts))


def mention(key: str | None, name: str | None = None) -> Mrkdwn:
    """A Slack user as a live mention (Slack shows their name); anyone else (a terminal or API key) by ``name``
    when the caller knows it, else by their key."""
    if not key:
        return Mrkdwn("nobody")
    return Mrkdwn(f"<@{key}>") if is_directory_id(key) else safe(name or key.split(":", 1)[-1])


def channel_link(channel_id: str) -> Mrkdwn:
    return Mrkdwn(f"<#{channel_id}>")


def link(url: str, label: str) -> Mrkdwn:
    """A link Vigil means (a permalink, a tracker issue): ``|`` and ``>`` in the url cannot end it early."""
    return Mrkdwn(f"<{escape(url).replace('|', '%7C')}|{escape(label)}>")


def people(text: str, meant: Collection[str]) -> Mrkdwn:
    """Text Vigil stored with people as ``<@key>`` (its own entries, and entries from before mentions were
    structured): the people in ``meant`` become mentions (or names), anyone else plain ``@key``, and the rest
    shows as typed."""
    pieces = STORED_MENTION.split(text)  # text, key, text, key, ..., text
    return Mrkdwn(
        "".join(
            escape(piece) if i % 2 == 0 else (mention(piece) if piece in meant else escape(f"@{piece}"))
            for i, piece in enumerate(pieces)
        )
    )


def mentioning(text: str, mentions: Sequence[Mention]) -> Mrkdwn:
    """Plain stored text whose ``mentions`` spans become live mentions (or names); the rest shows as typed."""
    out, cursor = [], 0
    for span in sorted(mentions, key=lambda m: m.start):
        if span.start < cursor or span.end > len(text):
            continue
        out += [escape(text[cursor : span.start]), mention(span.key)]
        cursor = span.end
    out.append(escape(text[cursor:]))
    return Mrkdwn("".join(out))


def when(moment: datetime) -> Mrkdwn:
    """A time each reader sees in their own time zone, with UTC as the fallback."""
    stamp = int(moment.timestamp())
    return Mrkdwn(f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; :class:`Mrkdwn` stays Mrkdwn (a cut entity shows as text, never pings)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1] + "…"
    return Mrkdwn(cut) if isinstance(text, Mrkdwn) else cut


def mrkdwn(text: str, limit: int = 3000) -> Block:
    return {"type": "mrkdwn", "text": clip(safe(text), limit)}


def plain(text: str, limit: int = 3000) -> Block:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts if t][:10]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def divider() -> Block:
    return {"type": "divider"}


def option(text: str, value: str, description: str | None = None) -> Block:
    result: Block = {"text": plain(text, 75), "value": value}
    if description:
        result["description"] = plain(description, 75)
    return result
