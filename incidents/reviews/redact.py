"""How people and personal data appear in a review, per audience.

Stored text names people as ``<@key>`` (Slack markup, which may also hold ``<#C1|name>``, ``<url|label>`` and
``&lt;``-style entities).
:class:`Redactor` turns it into plain text: display names for the team; role tokens ("Commander", "Guest A")
for a redacted version, which also masks e-mail addresses, phone numbers, links with paths or ids, and the known
names of the people involved wherever they were typed out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from incidents.models import Incident, Person

SYSTEM_ACTORS = frozenset({"vigil", "system"})
_SLACK_MARKUP = re.compile(r"<(?:([@#!])|(?=(?:https?|mailto|ftp):))([^<>|\s]+)(?:\|([^<>]*))?>", re.IGNORECASE)
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'\]\)]+", re.IGNORECASE)
_NUMBERS = re.compile(
    r"(?P<keep>\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\b\d{1,2}:\d{2}(?::\d{2})?)"
    r"|(?P<phone>(?<![\w/-])\+?\(?\d(?:[\s().-]{0,2}\d){6,14}(?![\w-]))"
)
_SPECIAL_ROLE_LABELS = {"sme": "SME", "regional_lead": "Regional lead"}


def role_label(role: str) -> str:
    return _SPECIAL_ROLE_LABELS.get(role, role.replace("_", " ").capitalize())


def role_tokens(incident: Incident, role_order: Sequence[str]) -> dict[str, str]:
    """Each role holder's token is their most senior role (policy order); several holders get numbers."""
    rank = {role: index for index, role in enumerate(role_order)}
    best: dict[str, str] = {}
    for assignment in sorted(incident.roles, key=lambda a: (a.assigned_at, a.id or 0)):
        current = best.get(assignment.person)
        if current is None or rank.get(assignment.role, len(rank)) < rank.get(current, len(rank)):
            best[assignment.person] = assignment.role
    by_role: dict[str, list[str]] = {}
    for person, role in best.items():
        by_role.setdefault(role, []).append(person)
    tokens: dict[str, str] = {}
    for role, people in by_role.items():
        for number, person in enumerate(people, start=1):
            tokens[person] = role_label(role) + (f" {number}" if len(people) > 1 else "")
    return tokens


class Redactor:
    """Names people and cleans text for one audience. Guests get letters in the order they first appear."""

    def __init__(self, people: Mapping[str, Person], tokens: Mapping[str, str] | None, *, mask_pii: bool) -> None:
        self._people = people
        self._tokens = dict(tokens) if tokens is not None else None
        self._mask_pii = mask_pii
        self._guests = 0
        self._name_owner: dict[str, str] = {}
        self._known_names = self._name_pattern() if tokens is not None else None

    @property
    def pseudonymous(self) -> bool:
        return self._tokens is not None

    def name(self, key: str | None) -> str:
        if not key:
            return "—"
        if key in SYSTEM_ACTORS:
            return "Vigil"
        if self._tokens is None:
            person = self._people.get(key)
            if person is not None and person.display_name:
                return person.display_name
            return key.removeprefix("cli:")
        token = self._tokens.get(key)
        if token is None:
            token = self._tokens[key] = f"Guest {_letters(self._guests)}"
            self._guests += 1
        return token

    def text(self, raw: str) -> str:
        """Plain text for the audience: Slack markup resolved, personal data masked when asked."""
        text = _SLACK_MARKUP.sub(self._markup, raw) if "<" in raw else raw
        if "&" in text:
            for entity, char in _SLACK_ENTITIES:
                text = text.replace(entity, char)
        if not self._mask_pii:
            return text
        if "@" in text:
            text = _EMAIL.sub("[email]", text)
        if "://" in text:
            text = _URL.sub(_mask_url, text)
        text = _NUMBERS.sub(_mask_phone, text)
        if self._known_names is not None:
            text = self._known_names.sub(lambda m: self.name(self._name_owner[m.group(0).casefold()]), text)
        return text

    def link(self, url: str | None) -> str | None:
        """Links to the record (permalinks, case systems) are left out of a masked version."""
        return None if self._mask_pii else web_link(url)

    def _markup(self, match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return "@" + self.name(target)
        if sigil == "#":
            return "#" + (label or "channel")
        if sigil == "!":
            return "@" + (label or target).lstrip("@").split("^")[0]
        return f"{label} ({target})" if label and label != target else target

    def _name_pattern(self) -> re.Pattern[str] | None:
        """Full display names in any case, and their capitalised parts of three letters or more as written."""
        full: set[str] = set()
        parts: set[str] = set()
        for key, person in self._people.items():
            name = " ".join((person.display_name or "").split())
            if len(name) < 3:
                continue
            full.add(name)
            self._name_owner.setdefault(name.casefold(), key)
            for part in re.split(r"[\s.]+", name):
                if len(part) >= 3 and part[0].isupper() and part != name:
                    parts.add(part)
                    self._name_owner.setdefault(part.casefold(), key)
        if not full:
            return None

        def alternation(names: set[str]) -> str:
            return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))

        pattern = f"(?i:{alternation(full)})" + (f"|{alternation(parts)}" if parts else "")
        return re.compile(rf"\b(?:{pattern})\b")


def web_link(url: str | None) -> str | None:
    """Only http(s) links are ever rendered as links: never ``javascript:`` or ``data:``."""
    if not url or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return None
    return url.strip()


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _mask_url(match: re.Match[str]) -> str:
    url = match.group(0)
    parts = urlsplit(url)
    if parts.path.strip("/") or parts.query or parts.fragment:
        return f"[link to {parts.hostname or 'a page'}]"
    return url


def _mask_phone(match: re.Match[str]) -> str:
    if match.group("keep"):
        return match.group(0)
    number = match.group(0)
    digits = sum(c.isdigit() for c in number)
    if number.isdigit() and digits < 10:
        return number
    return "[phone]"
