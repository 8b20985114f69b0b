"""Slack's mrkdwn as safe HTML: what a person reads in Slack, with nothing in the text able to become markup.

Everything is escaped first; only then are Slack's own constructs turned into the few tags this module writes
(bold, italic, strike, code, quotes, links to http(s)/mailto addresses, mention chips). Slack's escaping is undone
for display (``&lt;role&gt;`` shows as ``<role>``) and ``<@U…>``, ``<#C…>``, ``<!here>`` and ``<!date…>`` show as
the names and times Slack would show.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_CONTROL = re.compile(r"<([^<>\n]*)>")
"""Slack's angle-bracket sequences: the only way mrkdwn links, mentions or formats a date."""
_CODE = re.compile(r"(```[\s\S]+?```|`[^`\n]+`)")
_HOLE_OPEN, _HOLE_CLOSE = "\ue000", "\ue001"
_HOLE = re.compile(f"{_HOLE_OPEN}(\\d+){_HOLE_CLOSE}")
_EMOJI_CODE = re.compile(r":([a-z0-9_+\-]+):")
_LINK_SCHEMES = ("http://", "https://", "mailto:")


def _style(marker: str, tag: str) -> tuple[re.Pattern[str], str]:
    """``*bold*``-like spans as Slack reads them: the marker next to a non-word character, text hugging it."""
    m = re.escape(marker)
    return re.compile(rf"(?<![\w{m}]){m}(?=\S)([^{m}\n]+?)(?<=\S){m}(?![\w{m}])"), rf"<{tag}>\1</{tag}>"


_STYLES = (_style("*", "b"), _style("_", "i"), _style("~", "s"))
EMOJI = {
    "alarm_clock": "⏰",
    "arrows_counterclockwise": "🔄",
    "bell": "🔔",
    "bust_in_silhouette": "👤",
    "earth_africa": "🌍",
    "eyes": "👀",
    "fast_forward": "⏩",
    "fire": "🔥",
    "handshake": "🤝",
    "heavy_check_mark": "✔️",
    "hourglass_flowing_sand": "⏳",
    "label": "🏷️",
    "large_orange_circle": "🟠",
    "link": "🔗",
    "lock": "🔒",
    "mega": "📣",
    "memo": "📝",
    "no_entry_sign": "🚫",
    "outbox_tray": "📤",
    "pager": "📟",
    "pushpin": "📌",
    "red_circle": "🔴",
    "rotating_light": "🚨",
    "satellite_antenna": "📡",
    "tada": "🎉",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "x": "❌",
}
"""The shortcodes Vigil uses, and a few common ones; any other shows as typed."""


@dataclass(frozen=True)
class Directory:
    """What the workspace's ids stand for, so mentions read as Slack shows them."""

    people: dict[str, str] = field(default_factory=dict)
    """User id → the name Slack shows (the display name)."""
    channels: dict[str, str] = field(default_factory=dict)
    """Channel id → its name (DMs excluded)."""
    bots: frozenset[str] = frozenset()
    """User ids of apps: not offered where a person is picked."""

    def humans(self) -> dict[str, str]:
        """The people a users_select offers, by name."""
        return dict(sorted(((k, v) for k, v in self.people.items() if k not in self.bots), key=lambda kv: kv[1]))

    def person(self, user_id: str, label: str = "") -> str:
        return self.people.get(user_id) or label or user_id

    def channel(self, channel_id: str, label: str = "") -> str:
        return self.channels.get(channel_id) or label or channel_id


@dataclass(frozen=True)
class _Reference:
    """What one ``<…>`` sequence shows: its text, and where it links (only to addresses a browser may open)."""

    text: str
    href: str | None = None
    mention: bool = False


def unescape(text: str) -> str:
    """Slack's three entities back to the characters they stand for."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _reference(inner: str, directory: Directory) -> _Reference:
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        return _Reference("@" + directory.person(target[1:], label), mention=True)
    if target.startswith("#"):
        return _Reference("#" + directory.channel(target[1:], label), mention=True)
    if target.startswith("!date^"):
        return _Reference(label or _date(target))
    if target.startswith("!subteam^"):
        return _Reference(label or "@group", mention=True)
    if target.startswith("!"):
        return _Reference(label or "@" + target[1:], mention=True)
    address = unescape(target)
    allowed = address.lower().startswith(_LINK_SCHEMES)
    return _Reference(label or address.removeprefix("mailto:"), address if allowed else None)


def _date(target: str) -> str:
    """``!date^<epoch>^<format>`` with no fallback: the moment in UTC."""
    stamp = target.split("^")[1] if target.count("^") >= 1 else ""
    try:
        return f"{datetime.fromtimestamp(int(stamp), UTC):%Y-%m-%d %H:%M} UTC"
    except (ValueError, OverflowError, OSError):
        return target


def _reference_html(reference: _Reference) -> str:
    text = html.escape(reference.text)
    if reference.href:
        return f'<a href="{html.escape(reference.href)}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return f'<span class="mention">{text}</span>' if reference.mention else text


def _literal_text(text: str, directory: Directory) -> str:
    """Slack's escaping undone and references shown as the text they show, with no formatting."""
    pieces = _CONTROL.split(text)  # text, inner, text, inner, ..., text
    return "".join(unescape(p) if i % 2 == 0 else _reference(p, directory).text for i, p in enumerate(pieces))


def _literal(text: str, directory: Directory) -> str:
    """Code: as it reads, escaped for HTML."""
    return html.escape(_literal_text(text, directory))


def emoji(escaped: str) -> str:
    """Known ``:shortcode:``s as the emoji Slack shows."""
    return _EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped)


def _quotes(escaped: str) -> str:
    """Lines starting with ``>`` as one quote per run of such lines."""
    out: list[str] = []
    quoted: list[str] = []
    for line in escaped.split("\n"):
        if line.startswith("&gt;"):
            quoted.append(line.removeprefix("&gt;").removeprefix(" "))
            continue
        if quoted:
            out.append("<blockquote>" + "\n".join(quoted) + "</blockquote>")
            quoted = []
        out.append(line)
    if quoted:
        out.append("<blockquote>" + "\n".join(quoted) + "</blockquote>")
    return "\n".join(out).replace("</blockquote>\n", "</blockquote>")


def _styled(text: str, directory: Directory) -> str:
    """Text outside code: references set aside as numbered holes, the rest escaped and styled, then filled in."""
    filled: list[str] = []

    def hole(match: re.Match[str]) -> str:
        filled.append(_reference_html(_reference(match.group(1), directory)))
        return f"{_HOLE_OPEN}{len(filled) - 1}{_HOLE_CLOSE}"

    escaped = html.escape(unescape(_CONTROL.sub(hole, text)), quote=False)
    escaped = _quotes(escaped)
    for pattern, replacement in _STYLES:
        escaped = pattern.sub(replacement, escaped)
    return _HOLE.sub(lambda m: filled[int(m.group(1))], emoji(escaped))


def mrkdwn_html(text: str, directory: Directory) -> str:
    """``text`` (mrkdwn, as an app sends it) as HTML that shows what Slack would and can run nothing."""
    text = text.replace(_HOLE_OPEN, "\ufffd").replace(_HOLE_CLOSE, "\ufffd")
    out = []
    for i, piece in enumerate(_CODE.split(text)):
        if i % 2 == 0:
            out.append(_styled(piece, directory))
        elif piece.startswith("```"):
            out.append(f"<pre>{_literal(piece[3:-3].strip(chr(10)), directory)}</pre>")
        else:
            out.append(f"<code>{_literal(piece[1:-1], directory)}</code>")
    return "".join(out)


def plain_html(text: str, with_emoji: bool = True) -> str:
    """A plain_text object's text: shown exactly as given (escaped), emoji shortcodes aside."""
    escaped = html.escape(text)
    return emoji(escaped) if with_emoji else escaped


def text_html(text: Any, directory: Directory) -> str:
    """A Block Kit text object (mrkdwn or plain_text) as HTML; anything else shows nothing."""
    if not isinstance(text, dict) or not isinstance(text.get("text"), str):
        return ""
    if text.get("type") == "mrkdwn":
        return mrkdwn_html(text["text"], directory)
    return plain_html(text["text"], text.get("emoji", True) is not False)


def text_plain(text: Any, directory: Directory) -> str:
    """A text object, or mrkdwn given as a string, as unformatted text (for attributes and option labels)."""
    if not isinstance(text, dict | str):
        return ""
    if isinstance(text, dict):
        kind, text = text.get("type"), text.get("text")
        if not isinstance(text, str):
            return ""
        if kind != "mrkdwn":
            return text
    return _literal_text(text, directory)
