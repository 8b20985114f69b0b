"""``vigil help [COMMAND]``: what ``vigil --help`` and ``vigil COMMAND --help`` say, for people who type the word."""

from __future__ import annotations

import argparse
import difflib
import sys

from vigil.cli.parser import COMMANDS, Definition, build_parser


def _help(args: argparse.Namespace) -> int:
    parser, commands = build_parser()
    if args.topic is None:
        parser.print_help()
        return 0
    names = [command.name for command in COMMANDS]
    if args.topic not in names:
        closest = difflib.get_close_matches(args.topic, names, n=1)
        hint = f"did you mean `vigil help {closest[0]}`? " if closest else ""
        print(f"vigil help: no command {args.topic!r}; {hint}`vigil help` lists them all.", file=sys.stderr)
        return 2
    commands.define(args.topic).print_help()
    return 0


def _define_help(p: argparse.ArgumentParser) -> None:
    p.add_argument("topic", nargs="?", metavar="COMMAND", help="the command to describe (default: list them all)")
    p.set_defaults(handler=_help)


DEFINITIONS: dict[str, Definition] = {"help": _define_help}
