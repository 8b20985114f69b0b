"""The database a command works on: opened only when it exists, one unit of work per command, and its failures
(missing, unreachable, not migrated, a malformed URL) as one line saying what to do.

Shared by every command module, so none of them imports another for it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from incidents.context import Ctx, Domain
from incidents.db import database_errors, sqlite_file
from incidents.errors import VigilError
from incidents.people import resolve_person
from incidents.settings import Settings, load_settings
from vigil.cli.parser import Handler
from vigil.cli.terminal import printable

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


def open_domain(settings: Settings) -> Domain:
    require_database(settings)
    with database_errors(settings.database_url):
        return Domain.from_settings(settings)


@contextmanager
def unit_of_work(settings: Settings | None = None) -> Iterator[Ctx]:
    """One unit of work on the configured database; the engine is closed when it ends."""
    settings = settings or load_settings()
    domain = open_domain(settings)
    try:
        with database_errors(settings.database_url), domain.unit() as ctx:
            yield ctx
    finally:
        domain.engine.dispose()


def acting(work: Work) -> Handler:
    """A command that changes something, done as the ``--as`` person (a name or e-mail becomes their key)."""

    def handler(args: argparse.Namespace) -> int:
        with unit_of_work() as ctx:
            output = work(ctx, argparse.Namespace(**{**vars(args), "actor": resolve_person(ctx, args.actor)}))
        print(printable(output, multiline=True))
        return 0

    return handler


def reading(work: Work) -> Handler:
    """A command that only reads: nobody is resolved (or recorded) for it."""

    def handler(args: argparse.Namespace) -> int:
        with unit_of_work() as ctx:
            output = work(ctx, args)
        print(printable(output, multiline=True))
        return 0

    return handler
