"""Input checks shared by the services. Each failure is a :class:`VigilError` naming the field.

Text people write (titles, notes, updates, reasons, review fields) goes through :func:`plain` on its way in:
bidirectional control characters are removed, so a right-to-left override typed into a title cannot make a list,
a page, a Slack message or a spreadsheet show something other than what is stored. Output that may still meet
such characters (rows written before, names from Slack) strips them again with :func:`without_bidi`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from incidents.errors import VigilError

TITLE_MAX = 150  # what Slack's header block shows
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
"""Embeddings, overrides and their end (U+202A to U+202E), isolates (U+2066 to U+2069), the left-to-right and
right-to-left marks (U+200E, U+200F) and the Arabic letter mark (U+061C)."""
_NO_BIDI = str.maketrans("", "", BIDI_CONTROLS)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATES_AND_TIMES = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?")
_PHONE = re.compile(r"(?<![\w])\+?\(?\d{1,4}\)?(?:[\s.\-/]?\(?\d\)?){6,}(?![\w])")


Option = TypeVar("Option", bound=StrEnum)


def choice(options: type[Option], value: str, *, what: str, field: str) -> Option:
    """The option ``value`` names, whatever its case and whether its words are joined by spaces, dashes or
    underscores; anything else is refused with the options listed, never read as one of them."""
    wanted = _option_key(value)
    for option in options:
        if _option_key(option.value) == wanted:
            return option
    listed = ", ".join(option.value for option in options)
    raise VigilError(f"Unknown {what} {value.strip()!r}: use one of {listed}.", field=field)


def _option_key(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip()).casefold()


def without_bidi(text: str) -> str:
    """``text`` without bidirectional control characters (:data:`BIDI_CONTROLS`)."""
    return text.translate(_NO_BIDI)


def plain(text: str) -> str:
    """Free text as the services store it: without bidirectional controls or surrounding space."""
    return without_bidi(text).strip()


def clean_title(title: str) -> str:
    """Titles become channel names and announcements, so they must not identify a person."""
    title = " ".join(without_bidi(title).split())
    if not title:
        raise VigilError("A title is required.", field="title")
    if len(title) > TITLE_MAX:
        raise VigilError(f"Keep the title to {TITLE_MAX} characters or fewer (it has {len(title)}).", field="title")
    if _EMAIL.search(title):
        raise VigilError(
            "Titles must not contain an e-mail address: they become channel names. Describe the harm, not the person.",
            field="title",
        )
    if _PHONE.search(_DATES_AND_TIMES.sub(" ", title)):
        raise VigilError(
            "Titles must not contain a phone number: they become channel names. Describe the harm, not the person.",
            field="title",
        )
    return title


def required_text(value: str, field: str, *, label: str, limit: int = 4000) -> str:
    value = plain(value)
    if not value:
        raise VigilError(f"{label} is required.", field=field)
    if len(value) > limit:
        raise VigilError(f"{label} is too long (at most {limit} characters).", field=field)
    return value


def not_in_future(moment: datetime | None, now: datetime, field: str, label: str) -> None:
    if moment is None:
        return
    if moment.tzinfo is None:
        raise VigilError(f"{label} needs a time zone (use UTC).", field=field)
    if moment > now:
        raise VigilError(f"{label} cannot be in the future.", field=field)


def slugify(text: str, limit: int = 40) -> str:
    """A neutral ASCII slug: lowercase words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or "incident"
