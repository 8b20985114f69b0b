"""The database a command works on: opened only when it exists, one unit of work per command, and its failures
(missing, unreachable, not migrated, a malformed URL) as one line saying what to do.

Shared by every command module, so none of them imports another for it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from incidents.context import Ctx, Domain
from incidents.db import database_errors, database_location, sqlite_file
from incidents.errors import VigilError
from incidents.people import Names, resolve_person
from incidents.queries import normalise_ref
from incidents.settings import Settings, database_notice, load_settings
from vigil.cli.parser import Handler
from vigil.cli.terminal import notice, printable

T = TypeVar("T")
Work = Callable[[Ctx, argparse.Namespace], str]
"""A command's work inside its unit of work; what it returns is printed once the unit has committed."""


def database_file(settings: Settings) -> Path | None:
    """The SQLite file commands work on (None on PostgreSQL). An in-memory database is refused: it would vanish
    with the command."""
    file = sqlite_file(settings.database_url)
    if file is None and settings.database_url.startswith("sqlite"):
        raise VigilError("An in-memory SQLite database vanishes when the command ends: use sqlite:///path/to/vigil.db.")
    return file


def require_database(settings: Settings) -> None:
    """Refuse to go on when the SQLite file is not there: connecting would create an empty one as a side effect."""
    file = database_file(settings)
    if file is not None and not file.exists():
        raise VigilError(
            f"No database at {file}: create it with `vigil db upgrade`, or set VIGIL_DATABASE_URL to the one to use."
        )
    say_which_database(settings)


def say_which_database(settings: Settings) -> None:
    """Say on standard error which database the command works on when the environment does not name it (the
    default file, or the config file's): a misspelt or forgotten VIGIL_DATABASE_URL must not go unnoticed."""
    said = database_notice(settings, database_location(settings.database_url))
    if said is not None:
        notice(said)


def open_domain(settings: Settings) -> Domain:
    require_database(settings)
    with database_errors(settings.database_url):
        return Domain.from_settings(settings)


@contextmanager
def _opened(settings: Settings) -> Iterator[Domain]:
    """The configured database for one command, its failures as one line; the engine is closed when it ends."""
    domain = open_domain(settings)
    try:
        with database_errors(settings.database_url):
            yield domain
    finally:
        domain.engine.dispose()


@contextmanager
def unit_of_work(settings: Settings | None = None) -> Iterator[Ctx]:
    """One unit of work on the configured database, for commands that only read."""
    with _opened(settings or load_settings()) as domain, domain.unit() as ctx:
        yield ctx


def run(work: Callable[[Ctx], T]) -> T:
    """``work`` in the domain's unit of work on the configured database, as every way in runs it: run again if
    another writer (the bot, the API) changed the incident meanwhile."""
    with _opened(load_settings()) as domain:
        try:
            return domain.run(work)
        except VigilError as exc:
            if not exc.people:
                raise
            with domain.unit() as ctx:
                names = Names.load(ctx, exc.people)
            raise VigilError(exc.naming(exc.message, names.display), field=exc.field) from None


def acting(work: Work) -> Handler:
    """A command that changes something, done as the ``--as`` person (a name or e-mail becomes their key)."""

    def handler(args: argparse.Namespace) -> int:
        ref = _incident_named(args)

        def act(ctx: Ctx) -> str:
            if ref is not None:
                ctx.lock_incident(ref=ref)
            return work(ctx, argparse.Namespace(**{**vars(args), "actor": resolve_person(ctx, args.actor)}))

        print(printable(run(act), multiline=True))
        return 0

    return handler


def reading(work: Work) -> Handler:
    """A command that only reads: nobody is resolved (or recorded) for it."""

    def handler(args: argparse.Namespace) -> int:
        print(printable(run(lambda ctx: work(ctx, args)), multiline=True))
        return 0

    return handler


def _incident_named(args: argparse.Namespace) -> str | None:
    """The incident a command names (its ``ref`` argument), whose row the command queues on."""
    ref = getattr(args, "ref", None)
    return normalise_ref(ref) if isinstance(ref, str) else None
