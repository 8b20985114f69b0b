"""The people Vigil knows by key, and how they are named wherever a person reads.

A person's key is a Slack user id (``U024BE7LH``), ``cli:name`` for someone working from a terminal, or
``api:name`` for an API key. Adapters record what they learn (Slack's ``users.info``, the terminal's user, a web
sign-in); every surface that shows people to a person (the CLI, the team review, the web view, digests) names them
through :class:`Names`, loaded once per render. Slack messages keep live mentions instead, and leadership reviews
keep role tokens (:mod:`incidents.reviews.redact`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import func, or_, select

from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.guards import plain
from incidents.mentions import STORED_MENTION, stored_mentions
from incidents.models import Incident, Person

SYSTEM_ACTORS = frozenset({"vigil", "system"})
"""Keys of Vigil's own doings (scheduled nudges, escalations): shown as "Vigil"."""
CLI_PREFIX = "cli:"
NAMES_EXPIRE_AFTER = timedelta(days=7)
"""A name learnt from the directory is asked again after this long, so renamed people are not shown by an old
name for ever (a person told to be unknown too: they may have joined since)."""

_DIRECTORY_ID = re.compile(r"[UW][A-Z0-9]{2,62}")
"""A Slack user id (``U…``, or ``W…`` on Enterprise Grid): upper case letters and digits."""
_ID_AS_TYPED = re.compile(r"[UW][A-Z0-9_]{2,63}")
"""What a person argument may give as an id: a Slack id, or a readable stand-in for one (``U_ALICE``) in examples
and tests, which Slack is never asked about."""
_CLI_KEY = re.compile(r"cli:[\w.\-]{1,60}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def is_email(text: str) -> bool:
    """Whether ``text`` is written as an e-mail address."""
    return bool(_EMAIL.fullmatch(text))


def is_directory_id(key: str) -> bool:
    """Whether ``key`` is someone Slack can describe (``users.info``), rather than a terminal or API key."""
    return bool(_DIRECTORY_ID.fullmatch(key))


def upsert_person(ctx: Ctx, key: str, *, display_name: str | None = None, email: str | None = None) -> Person:
    """Create or refresh a person. A ``None`` field keeps what is stored (a lookup may return less than before)."""
    person = ctx.session.get(Person, key)
    if person is None:
        person = Person(key=key)
        ctx.session.add(person)
    if display_name is not None and plain(display_name):
        person.display_name = plain(display_name)[:200]
    if email is not None and email.strip():
        person.email = email.strip()[:320]
    ctx.session.flush()
    return person


def person_by_email(ctx: Ctx, email: str | None) -> str | None:
    """The Vigil person with this e-mail (case-insensitive), if exactly one."""
    if not email:
        return None
    keys = list(ctx.session.scalars(select(Person.key).where(func.lower(Person.email) == email.lower()).limit(2)))
    return keys[0] if len(keys) == 1 else None


def record_learned(ctx: Ctx, key: str, *, display_name: str | None, email: str | None) -> None:
    """What the directory said about ``key`` just now; it is asked again once :data:`NAMES_EXPIRE_AFTER` passed."""
    person = upsert_person(ctx, key, display_name=display_name, email=email)
    person.learned_at, person.missing = ctx.now(), False
    ctx.session.flush()


def record_missing(ctx: Ctx, key: str) -> None:
    """The directory says there is no such person: remembered, so nobody asks again until the name expires, and
    so ``--as`` / person arguments refuse the key."""
    person = upsert_person(ctx, key)
    person.learned_at, person.missing = ctx.now(), True
    ctx.session.flush()


def to_learn(ctx: Ctx, keys: Iterable[str]) -> list[str]:
    """The directory ids among ``keys`` never asked about, or asked about longer ago than names stay fresh."""
    wanted = {key for key in keys if is_directory_id(key)}
    stale_before = ctx.now() - NAMES_EXPIRE_AFTER
    fresh = {
        key
        for key, person in people_by_key(ctx, wanted).items()
        if person.learned_at is not None and person.learned_at > stale_before
    }
    return sorted(wanted - fresh)


def known_people(ctx: Ctx) -> list[Person]:
    """Everyone Vigil knows, by name (people without one last)."""
    by_name = select(Person).order_by(Person.display_name.is_(None), func.lower(Person.display_name), Person.key)
    return list(ctx.session.scalars(by_name))


def name_person(ctx: Ctx, key: str, *, display_name: str, email: str | None = None) -> Person:
    """Name someone by hand (a team without Slack, or a Slack user before the bot has met them). Slack's own
    answer replaces it when the bot next learns the person."""
    if not (_ID_AS_TYPED.fullmatch(key) or _CLI_KEY.fullmatch(key)):
        raise VigilError(f"{key!r} is not a person's key: give a Slack id (U…) or cli:name.", field="person")
    if not display_name.strip():
        raise VigilError("Give the person's name.", field="name")
    if email is not None and not _EMAIL.fullmatch(email.strip()):
        raise VigilError(f"{email!r} is not an e-mail address.", field="email")
    person = upsert_person(ctx, key, display_name=display_name, email=email)
    person.missing = False
    return person


def people_by_key(ctx: Ctx, keys: Iterable[str]) -> dict[str, Person]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = ctx.session.scalars(select(Person).where(Person.key.in_(wanted)))
    return {person.key: person for person in found}


def display_name(key: str, person: Person | None) -> str:
    """How ``key`` is shown to a reader: their name when Vigil knows it, else the key without ``cli:``."""
    if key in SYSTEM_ACTORS:
        return "Vigil"
    if person is not None and person.display_name:
        return person.display_name
    return key.removeprefix(CLI_PREFIX)


class Names:
    """Display names for the people one render shows, loaded in one query (a review names dozens of people)."""

    def __init__(self, people: Mapping[str, Person]) -> None:
        self.people = people

    @classmethod
    def load(cls, ctx: Ctx, keys: Iterable[str | None]) -> Names:
        return cls(people_by_key(ctx, (key for key in keys if key)))

    @classmethod
    def of_incident(cls, ctx: Ctx, incident: Incident) -> Names:
        return cls.load(ctx, people_of(incident))

    def display(self, key: str | None, *, nobody: str = "—") -> str:
        return display_name(key, self.people.get(key)) if key else nobody

    def text(self, raw: str, data: Mapping[str, Any] | None = None) -> str:
        """Stored text with the people it mentions by name: the spans kept beside it (``@U061F7AUR`` typed before
        Vigil knew the name) and the ``<@key>`` Vigil's own entries carry."""
        spans = stored_mentions(data or {}) or []
        out: list[str] = []
        position = 0
        for mention in sorted(spans, key=lambda m: m.start):
            if mention.start < position or mention.end > len(raw):
                continue
            out += (raw[position : mention.start], "@" + self.display(mention.key))
            position = mention.end
        out.append(raw[position:])
        joined = "".join(out)
        return STORED_MENTION.sub(lambda m: "@" + self.display(m.group(1)), joined) if "<@" in joined else joined

    @staticmethod
    def mentioned(raw: str, data: Mapping[str, Any] | None = None) -> set[str]:
        """The keys :meth:`text` would name, so a render can load them with everyone else in one query."""
        keys = {m.key for m in stored_mentions(data or {}) or ()}
        return keys | set(STORED_MENTION.findall(raw)) if "<@" in raw else keys


class _Entry(Protocol):
    author: str
    text: str
    data: Any


def people_of(incident: Incident, timeline: Iterable[_Entry] | None = None) -> set[str]:
    """Everyone a view of ``incident`` may name: its people, and the authors and people mentioned of ``timeline``
    (the incident's own unless a view reads its entries as rows)."""
    keys = {incident.declared_by, *(r.person for r in incident.roles), *(c.aware_by for c in incident.clocks)}
    keys |= {a.owner for a in incident.actions if a.owner}
    keys |= {k for h in incident.handoffs for k in (h.from_person, h.to_person, h.requested_by) if k}
    for entry in incident.timeline if timeline is None else timeline:
        keys.add(entry.author)
        keys |= Names.mentioned(entry.text, entry.data)
    return keys


def display(ctx_or_names: Ctx | Names, key: str | None) -> str:
    """One person's name for a reader; renders that name many people load a :class:`Names` once instead."""
    names = ctx_or_names if isinstance(ctx_or_names, Names) else Names.load(ctx_or_names, [key])
    return names.display(key)


def resolve_person(ctx: Ctx, text: str) -> str:
    """The key of the person ``text`` means: a Slack id, ``cli:name``, an e-mail or ``@name`` (a display name, a
    first name, an e-mail's local part or a terminal user's name) of someone Vigil knows. Slack ids and ``cli:``
    keys are taken as given (the bot learns Slack people when it first needs their names) unless Slack said the
    person does not exist; new ones are remembered, so ``vigil people`` lists them."""
    given = " ".join(text.split())
    if not given:
        raise VigilError("Name someone: a Slack id (U…), an e-mail, @name or cli:name.", field="person")
    if _ID_AS_TYPED.fullmatch(given) or _CLI_KEY.fullmatch(given):
        person = ctx.session.get(Person, given)
        if person is not None and person.missing:
            raise VigilError(
                f"Slack says there is no user {given}; check the id, or use `vigil people` to list who is known."
            )
        if person is None:
            shown = given.removeprefix(CLI_PREFIX) if given.startswith(CLI_PREFIX) else None
            upsert_person(ctx, given, display_name=shown)
        return given
    matches = _matching(ctx, given)
    if len(matches) == 1:
        return matches[0].key
    if not matches:
        raise VigilError(
            f"No one called {given} is known to Vigil; use their Slack id (U…) or e-mail, "
            "or `vigil people` to list who is known.",
            field="person",
        )
    candidates = ", ".join(f"{display_name(p.key, p)} ({p.key})" for p in matches[:5])
    raise VigilError(f"{given} could be any of {candidates}; use their Slack id or e-mail.", field="person")


def _matching(ctx: Ctx, given: str) -> list[Person]:
    """Known, existing people ``given`` names: by e-mail if it is one, else by name (exact matches win)."""
    known = select(Person).where(Person.missing.is_(False)).order_by(Person.display_name, Person.key)
    if _EMAIL.fullmatch(given):
        return list(ctx.session.scalars(known.where(func.lower(Person.email) == given.casefold())))
    name = given.removeprefix("@").casefold()
    if not name:
        return []
    exact = known.where(
        or_(
            func.lower(Person.display_name) == name,
            func.lower(Person.key).in_([name, CLI_PREFIX + name]),
            func.lower(Person.email).startswith(name + "@", autoescape=True),
        )
    )
    found = list(ctx.session.scalars(exact))
    if found:
        return found
    return list(
        ctx.session.scalars(known.where(func.lower(Person.display_name).startswith(name + " ", autoescape=True)))
    )
