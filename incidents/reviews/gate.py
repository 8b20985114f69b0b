"""The publish gate: before a review is submitted for leadership, the detector reads every narrative field, and what
it finds blocks the submission until the author rewrites it or marks it as not personal data.

The author is a member of the incident and may see their own text, so a finding carries the text found (to be shown
beside its field); the audit of a "not personal data" mark keeps only the text's SHA-256 (:func:`digest`).
Slack mentions (``<@U…>``) are not findings, nor the names of the incident's own people (its responders, as Vigil
knows them): leadership's renderer replaces both by the person's role token (:mod:`incidents.reviews.redact`),
whatever the detector would make of them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from incidents.errors import VigilError
from incidents.models import Person
from incidents.privacy.detector import LABELS, detect
from incidents.reviews.models import Review
from incidents.reviews.redact import Redactor

NARRATIVE_FIELDS: tuple[str, ...] = Review.__personal_text__
_MENTION = re.compile(r"<@[^<>|\s]+(?:\|[^<>]*)?>")


@dataclass(frozen=True)
class GateFinding:
    """Something in one narrative field that looks like personal data."""

    field: str
    category: str
    text: str

    @property
    def label(self) -> str:
        """What kind of personal data, e.g. "phone", "IP address"."""
        return LABELS.get(self.category, "[personal data]").strip("[]")

    @property
    def field_label(self) -> str:
        return field_label(self.field)


class PersonalDataFound(VigilError):
    """The submission was refused: ``findings`` (per field, in the form's order) must each be rewritten or marked
    as not personal data. Nothing was written."""

    def __init__(self, ref: str, findings: Sequence[GateFinding]) -> None:
        fields = list(dict.fromkeys(f.field for f in findings))
        places = ", ".join(field_label(name).lower() for name in fields)
        count = f"{len(findings)} things that look" if len(findings) != 1 else "1 thing that looks"
        super().__init__(
            f"The review of {ref} holds {count} like personal data ({places}): rewrite each, or mark it as not "
            "personal data, then submit again.",
            field=fields[0],
        )
        self.findings = tuple(findings)


def field_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def review_findings(review: Review, people: Mapping[str, Person]) -> list[GateFinding]:
    """Every finding in the narrative, once per field and text, in the form's order (marked ones included).
    ``people``: the incident's own, whose names are not findings."""
    known = Redactor(people, {}, mask_pii=True)
    found: list[GateFinding] = []
    for name in NARRATIVE_FIELDS:
        value = str(getattr(review, name) or "")
        replaced = [m.span() for m in _MENTION.finditer(value)] if "<@" in value else []
        replaced += known.known_spans(value)
        texts: dict[str, str] = {}
        for finding in detect(value):
            if any(start <= finding.start and finding.end <= end for start, end in replaced):
                continue
            texts.setdefault(value[finding.start : finding.end], finding.category)
        found += (GateFinding(name, category, text) for text, category in texts.items())
    return found


def blocking(review: Review, people: Mapping[str, Person]) -> list[GateFinding]:
    """The findings the author has not marked as not personal data."""
    marked = set(review.not_personal or ())
    return [f for f in review_findings(review, people) if f.text not in marked]


def check(review: Review, people: Mapping[str, Person]) -> None:
    """Refuse (:class:`PersonalDataFound`) while anything in the narrative blocks it."""
    found = blocking(review, people)
    if found:
        raise PersonalDataFound(review.incident.ref, found)


def digest(text: str) -> str:
    """What the audit keeps of a marked text: enough to recognise it again, not to read it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
