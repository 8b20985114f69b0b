"""``vigil``: run incidents from a terminal, manage the database, and start the bot.

Every command drives the same domain services the bot does. Errors print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence

from incidents.errors import ConfigError, VigilError
from vigil.cli import commands, render

Handler = Callable[[argparse.Namespace], int | None]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__)
    parser.add_argument(
        "--as",
        dest="actor",
        default=f"cli:{getpass.getuser()}",
        help="who is acting (a Slack user id or cli:name); default cli:$USER",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args) or 0
    except (VigilError, ConfigError) as exc:
        print(f"vigil: {render.one_line(exc.message)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
