"""How people and personal data appear in a review, per audience.

Stored text names people either plainly ("@Maya Patel", with who was meant in the entry's data) or, in older rows and
Vigil's own entries, as ``<@key>`` (Slack markup, which may also hold ``<#C1|name>``, ``<url|label>`` and
``&lt;``-style entities). :class:`Redactor` turns it into plain text for one audience: display names for the team;
for leadership, role tokens ("Commander", "Reporter", "Guest A") in place of every person Vigil knows (by name,
e-mail, handle or id, as typed anywhere), and the personal data the detector found when the text was written
(:mod:`incidents.privacy`) replaced by what it was ("[phone]", "[address]"…). For every audience, bidirectional
control characters are left out (:func:`incidents.guards.without_bidi`): text stored before intake removed them, and
names learned from Slack, never reverse what follows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from incidents.guards import without_bidi
from incidents.models import Incident, Person
from incidents.parties.tokens import PartyMasker
from incidents.people import SYSTEM_ACTORS, Names, display_name
from incidents.privacy.detector import LABELS, detect
from incidents.privacy.findings import Finding

_SLACK_MARKUP = re.compile(r"<(?:([@#!])|(?=(?:https?|mailto|ftp):))([^<>|\s]+)(?:\|([^<>]*))?>", re.IGNORECASE)
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_SPECIAL_ROLE_LABELS = {"sme": "SME", "regional_lead": "Regional lead"}
UNLABELLED = "[personal data]"
"""What a finding reads as when its category has no label of its own."""
MASKS = (*LABELS.values(), UNLABELLED)
"""Everything a finding may read as once masked."""


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
    """Names people and cleans text for one audience. Guests get letters in the order they first appear.

    ``tokens`` (person key → token) makes the output pseudonymous; ``identifiers`` adds other known identifiers
    (a party's name, handle, contact → its token) to mask by value, also in a version that names people (the team's
    in an evidence package handed over without the parties' personal data).
    """

    def __init__(
        self,
        people: Mapping[str, Person],
        tokens: Mapping[str, str] | None,
        *,
        mask_pii: bool,
        identifiers: Mapping[str, str] | None = None,
    ) -> None:
        self._people = people
        self._tokens = dict(tokens) if tokens is not None else None
        self._mask_pii = mask_pii
        self._guests = 0
        self._owner: dict[str, str] = {}
        """Known identifier (casefolded) → person key, or → "=token" for identifiers that are not people."""
        self._known = self._known_pattern(identifiers or {}) if tokens is not None else None
        self._parties = PartyMasker(identifiers) if tokens is None and identifiers else None

    @property
    def pseudonymous(self) -> bool:
        return self._tokens is not None

    def name(self, key: str | None) -> str:
        if not key:
            return "—"
        if key in SYSTEM_ACTORS:
            return "Vigil"
        if self._tokens is None:
            return without_bidi(display_name(key, self._people.get(key)))
        token = self._tokens.get(key)
        if token is None:
            token = self._tokens[key] = f"Guest {_letters(self._guests)}"
            self._guests += 1
        return token

    def text(self, raw: str, found: Sequence[Finding] | None = None, *, data: Mapping[str, Any] | None = None) -> str:
        """Plain text for the audience. ``found`` is where the detector found personal data in ``raw`` when it was
        written; without it (a row never scanned) the text is scanned now. ``data`` (a timeline entry's) says whom
        its mentions mean: the team reads them by name, leadership by token like every other way of naming them."""
        if not self._mask_pii:
            raw = Names(self._people).text(raw, data) if data else raw
            plain = _unescape(_SLACK_MARKUP.sub(self._markup, raw) if "<" in raw else raw)
            return without_bidi(self._parties.text(plain) if self._parties is not None else plain)
        spans = [
            (f.start, f.end, 0, LABELS.get(f.category, UNLABELLED)) for f in (detect(raw) if found is None else found)
        ]
        if "<" in raw:
            spans += [(m.start(), m.end(), 2, self._markup(m)) for m in _SLACK_MARKUP.finditer(raw)]
        if self._known is not None:
            spans += [(m.start(), m.end(), 1, self._known_token(m.group(0))) for m in self._known.finditer(raw)]
        out: list[str] = []
        position = 0
        for start, end, replacement in _merged(spans):
            out += (_unescape(raw[position:start]), replacement)
            position = end
        out.append(_unescape(raw[position:]))
        return without_bidi("".join(out))

    def known_spans(self, raw: str) -> list[tuple[int, int]]:
        """Where ``raw`` names someone this redactor replaces by their token (a pseudonymous one only)."""
        return [m.span() for m in self._known.finditer(raw)] if self._known is not None else []

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
        if self._mask_pii:
            return LABELS["url"]
        return f"{label} ({target})" if label and label != target else target

    def _known_token(self, typed: str) -> str:
        owner = self._owner[" ".join(typed.split()).casefold().lstrip("@")]
        return owner[1:] if owner.startswith("=") else self.name(owner)

    def _known_pattern(self, identifiers: Mapping[str, str]) -> re.Pattern[str] | None:
        """Everyone the reader must not recognise, by every way they may have been typed: full names in any case
        and their capitalised parts of three letters or more as written, e-mail addresses and their local parts,
        Slack ids, and the other identifiers given (a party's name, handle, account id, contact)."""
        loose: set[str] = set()
        exact: set[str] = set()

        def add(identifier: str, owner: str, *, minimum: int = 3) -> None:
            identifier = " ".join(identifier.split()).lstrip("@")
            if len(identifier) < minimum:
                return
            loose.add(identifier)
            self._owner.setdefault(identifier.casefold(), owner)
            for part in re.split(r"[\s.]+", identifier) if " " in identifier else ():
                if len(part) >= 3 and part[0].isupper():
                    exact.add(part)
                    self._owner.setdefault(part.casefold(), owner)

        for key, person in self._people.items():
            if key in SYSTEM_ACTORS:
                continue
            if not key.startswith("cli:") and len(key) >= 6:
                exact.add(key)
                self._owner.setdefault(key.casefold(), key)
            email = (person.email or "").strip()
            add(person.display_name or "", key)
            add(email, key)
            add(email.partition("@")[0], key, minimum=4)
        for identifier, token in identifiers.items():
            add(identifier, "=" + token, minimum=2)
        if not loose and not exact:
            return None

        pattern = f"(?i:{_trie({n.casefold() for n in loose})})" if loose else ""
        if exact:
            pattern += ("|" if pattern else "") + _trie(exact)
        return re.compile(rf"(?<![\w.+-])@?(?:{pattern})(?![\w-]|@\w)")


def masked(text: str, found: Sequence[Finding] | None, identifiers: Mapping[str, str]) -> str:
    """``text`` for readers beyond the team where the incident's people are not at hand (digests): the personal
    data the detector found and the ``identifiers`` of its parties are masked; without ``found`` the text is
    scanned now."""
    return Redactor({}, {}, mask_pii=True, identifiers=identifiers).text(text, found)


def _trie(words: set[str]) -> str:
    """One alternation for many words, sharing their prefixes: a review's known people are tried at every position
    of every entry, and a flat alternation of a hundred names costs a hundred comparisons each time. Longer words
    win (a full name before its first name); white space inside a word matches any white space."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in " ".join(word.split()):
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [(r"\s+" if char == " " else re.escape(char)) + emit(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _merged(spans: list[tuple[int, int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping replacements become one, saying what the strongest of them says (markup, then a known person,
    then a detector finding; the longer on a tie)."""
    merged: list[tuple[int, int, int, str]] = []
    for start, end, rank, replacement in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            keep = last if (last[2], last[1] - last[0]) >= (rank, end - start) else (start, end, rank, replacement)
            merged[-1] = (last[0], max(last[1], end), keep[2], keep[3])
        else:
            merged.append((start, end, rank, replacement))
    return [(start, end, replacement) for start, end, _rank, replacement in merged]


def _unescape(text: str) -> str:
    if "&" in text:
        for entity, char in _SLACK_ENTITIES:
            text = text.replace(entity, char)
    return text


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
