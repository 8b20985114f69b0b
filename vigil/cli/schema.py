"""``vigil db upgrade|downgrade|current|revision``: the database schema, through Alembic (the only way Vigil's
tables are created or changed). ``upgrade`` is the one command that may create the SQLite file.
``vigil db reporting-role`` makes the PostgreSQL role analysts read the reporting views with."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from alembic.util import CommandError

from incidents import migrate, reporting
from incidents.db import database_errors, database_location, make_engine
from incidents.errors import VigilError
from incidents.settings import Settings, load_settings
from vigil.cli.database import database_file, require_database, say_which_database
from vigil.cli.parser import Definition


def _upgrade(args: argparse.Namespace, settings: Settings) -> str:
    say_which_database(settings)
    url, where = settings.database_url, database_location(settings.database_url)
    before = migrate.schema_state(url) if _exists(settings) else None
    migrate.upgrade(url, args.revision)
    after = migrate.schema_state(url)
    if before is None:
        return f"Created the database {where} at revision {after.describe()}."
    if not before.at:
        return f"Set up the empty database {where} at revision {after.describe()}."
    if before.at == after.at:
        return f"The database {where} was already at revision {after.describe()}; nothing to do."
    return f"Upgraded the database {where} from {', '.join(sorted(before.at))} to {after.describe()}."


def _downgrade(args: argparse.Namespace, settings: Settings) -> str:
    require_database(settings)
    migrate.downgrade(settings.database_url, args.revision)
    state = migrate.schema_state(settings.database_url)
    return f"Downgraded the database {database_location(settings.database_url)} to revision {state.describe()}."


def _current(_args: argparse.Namespace, settings: Settings) -> str:
    require_database(settings)
    state = migrate.schema_state(settings.database_url)
    advice = "" if state.current else "; run `vigil db upgrade`"
    return f"The database {database_location(settings.database_url)} is at revision {state.describe()}{advice}."


def _revision(args: argparse.Namespace, settings: Settings) -> str:
    require_database(settings)
    migrate.revision(settings.database_url, args.message)
    return f"Wrote a new migration in {migrate.MIGRATIONS_DIR / 'versions'}; review it before committing."


def _reporting_role(args: argparse.Namespace, settings: Settings) -> str:
    if database_file(settings) is not None:
        raise VigilError(reporting.NEEDS_POSTGRESQL)  # before a password is asked for
    say_which_database(settings)
    password = _password_from_stdin() if args.password_stdin else None
    engine = make_engine(settings.database_url)
    try:
        role = reporting.grant_reporting_role(engine, args.name, password)
    finally:
        engine.dispose()
    done = "Created role" if role.created else "Renewed the grants of role"
    how = "it can log in" if role.login else f"no login: grant it to people's own roles (GRANT {role.name} TO alice)"
    return f"{done} {role.name} ({how}); it reads the {role.views} views of schema reporting and nothing else."


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise VigilError('No password on standard input: pipe it in, e.g. printf %s "$PW" | vigil db reporting-role …')
    return password


def _exists(settings: Settings) -> bool:
    try:
        require_database(settings)
    except VigilError:
        return False
    return True


def _handler(step: Callable[[argparse.Namespace, Settings], str]) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        settings = load_settings()
        database_file(settings)  # refuses an in-memory database
        try:
            with database_errors(settings.database_url):
                said = step(args, settings)
        except CommandError as exc:
            raise VigilError(f"Alembic refused: {exc}; `vigil db current` shows where the database is.") from None
        print(said)
        return 0

    return handler


def _define_db(p: argparse.ArgumentParser) -> None:
    steps = p.add_subparsers(dest="db_command", required=True, metavar="STEP", title="steps")
    upgrade = steps.add_parser(
        "upgrade",
        help="create the database, or bring it to the newest schema",
        description="Create the database (an SQLite file is created here), or bring it to the newest schema.",
    )
    upgrade.add_argument("revision", nargs="?", default="head", help="the revision to reach (default: the newest)")
    upgrade.set_defaults(handler=_handler(_upgrade))
    downgrade = steps.add_parser("downgrade", help="go back to an older schema (data in newer tables is lost)")
    downgrade.add_argument("revision", help="the revision to go back to, e.g. -1 for the previous one")
    downgrade.set_defaults(handler=_handler(_downgrade))
    steps.add_parser("current", help="the revision the database is at").set_defaults(handler=_handler(_current))
    revision = steps.add_parser("revision", help="for developers: write a migration from the models' changes")
    revision.add_argument("-m", "--message", required=True, help="what the migration does, in a few words")
    revision.set_defaults(handler=_handler(_revision))
    role = steps.add_parser(
        "reporting-role",
        help="PostgreSQL: a role that reads the reporting views and nothing else",
        description="Create a PostgreSQL role that can read the views of schema reporting (docs/reporting.md) and "
        "no table. It cannot log in unless --password-stdin gives it a password; run again to renew its grants.",
    )
    role.add_argument("name", help="the role's name: lowercase letters, digits and _")
    role.add_argument(
        "--password-stdin", action="store_true", help="make it a login role, its password read from standard input"
    )
    role.set_defaults(handler=_handler(_reporting_role))


DEFINITIONS: dict[str, Definition] = {"db": _define_db}
