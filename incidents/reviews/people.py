"""Names for the people Vigil knows by key. Adapters upsert what they learn (Slack's users.info); reviews read it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from incidents.context import Ctx
from incidents.models import Person


def upsert_person(ctx: Ctx, key: str, *, display_name: str | None = None, email: str | None = None) -> Person:
    """Create or refresh a person. A ``None`` field keeps what is stored (a lookup may return less than before)."""
    person = ctx.session.get(Person, key)
    if person is None:
        person = Person(key=key)
        ctx.session.add(person)
    if display_name is not None and display_name.strip():
        person.display_name = display_name.strip()[:200]
    if email is not None and email.strip():
        person.email = email.strip()[:320]
    ctx.session.flush()
    return person


def people_by_key(ctx: Ctx, keys: Iterable[str]) -> dict[str, Person]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = ctx.session.scalars(select(Person).where(Person.key.in_(wanted)))
    return {person.key: person for person in found}
