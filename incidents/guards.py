"""Input checks shared by the services. Each failure is a :class:`VigilError` naming the field."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from incidents.errors import VigilError

TITLE_MAX = 150  # what Slack's header block shows
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATES_AND_TIMES = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?")
_PHONE = re.compile(r"(?<![\w])\+?\(?\d{1,4}\)?(?:[\s.\-/]?\(?\d\)?){6,}(?![\w])")


def clean_title(title: str) -> str:
    """Titles become channel names and announcements, so they must not identify a person."""
    title = " ".join(title.split())
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
    value = value.strip()
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
