"""``vigil serve`` and ``vigil try``: the bot (the process is :mod:`vigil.process`; the playground's
:mod:`vigil.tryout`); here, the options and what to do about the database first.

On SQLite, the embedded default, the bot brings the database to the newest schema itself: there is no operator
to forget it, and nobody else shares the file. On PostgreSQL migrations stay an operator step (several replicas
may start at once, and a migration may need a maintenance window), so a schema that is not the newest is refused.
"""

from __future__ import annotations

import argparse
import sys

from incidents import migrate
from incidents.db import database_errors, database_location, sqlite_file
from incidents.settings import Settings
from vigil.cli.parser import Definition


def prepare_database(settings: Settings) -> str | None:
    url = settings.database_url
    with database_errors(url):
        if sqlite_file(url) is not None:
            if not migrate.is_current(url):
                migrate.upgrade(url)
                print(f"vigil serve: brought {database_location(url)} to the newest schema.", file=sys.stderr)
            return None
        state = migrate.schema_state(url)
    if state.current:
        return None
    return (
        f"the database {database_location(url)} is at revision {state.describe()}: "
        "run `vigil db upgrade` first (on PostgreSQL migrations are an operator step)."
    )


def _serve(args: argparse.Namespace) -> int:
    from vigil.process import serve  # the bot, Slack's SDK and all, is loaded for this command only

    return serve(http=args.http, host=args.host, http_port=args.port, prepare_database=prepare_database)


def _define_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--http", action="store_true", help="serve Slack's requests at /slack/events instead")
    p.add_argument("--host", default="0.0.0.0", help="HTTP mode: the address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=3000, help="HTTP mode: the port to listen on (default 3000)")
    p.set_defaults(handler=_serve)


def _try(args: argparse.Namespace) -> int:
    from vigil.tryout import try_everything

    return try_everything(args)


def _define_try(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=3000, help="the bot's port: web view, API, Slack's requests")
    p.add_argument("--slack-port", type=int, default=3001, help="the Slack emulator's port")
    p.set_defaults(handler=_try)


DEFINITIONS: dict[str, Definition] = {"serve": _define_serve, "try": _define_try}
