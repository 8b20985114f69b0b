"""The ``vigil`` command line: every command with its one-line help, and where its options and handler live.

``vigil --help`` must answer at once, so this module imports nothing of Vigil's: a command's
options are added, and its module imported, only when that command is the one given (:class:`LazySubcommands`).
Mistakes in the arguments are one line on standard error that says where to look, never a usage block.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, NoReturn

Handler = Callable[[argparse.Namespace], int]
"""What runs a command; the exit status it returns is the process's."""
Definition = Callable[[argparse.ArgumentParser], None]
"""Adds one command's arguments to its parser and sets its ``handler``."""
REF_HELP = "the incident's reference, e.g. INC-2026-0001"
PERSON_HELP = "a Slack user id (U…), @name or e-mail of someone Vigil knows, or cli:name"


@dataclass(frozen=True)
class Command:
    name: str
    module: str
    """Where the command is defined and run: its ``DEFINITIONS`` maps the command's name to a :data:`Definition`."""
    help: str


COMMANDS: tuple[Command, ...] = (
    Command("declare", "vigil.cli.lifecycle", "declare an incident (prints its reference, clocks and next update)"),
    Command("list", "vigil.cli.reading", "list incidents (open ones unless --all)"),
    Command("show", "vigil.cli.reading", "an incident with its roles, clocks, actions and timeline"),
    Command("ack", "vigil.cli.lifecycle", "acknowledge an incident (it moves to investigating)"),
    Command("severity", "vigil.cli.lifecycle", "change an incident's severity, with a reason"),
    Command("tier", "vigil.cli.lifecycle", "change an incident's sensitivity tier, with a reason"),
    Command("reclassify", "vigil.cli.lifecycle", "change an incident's types or jurisdictions, with a reason"),
    Command("status", "vigil.cli.lifecycle", "move an incident to another status"),
    Command("resolve", "vigil.cli.lifecycle", "resolve an incident"),
    Command("close", "vigil.cli.lifecycle", "close a resolved incident"),
    Command("reopen", "vigil.cli.lifecycle", "reopen a resolved incident, with a reason"),
    Command("provision", "vigil.cli.lifecycle", "put an incident declared here in Slack: the bot opens its channel"),
    Command("role", "vigil.cli.roles", "give someone a role on an incident (or take it back with --relieve)"),
    Command("handoff", "vigil.cli.roles", "offer command of an incident to someone"),
    Command("accept-handoff", "vigil.cli.roles", "accept a hand-off offered to you (--as): you become commander"),
    Command("decline-handoff", "vigil.cli.roles", "decline a hand-off offered to you (--as)"),
    Command("note", "vigil.cli.timeline", "add a note to an incident's timeline"),
    Command("update", "vigil.cli.timeline", "post a status update (sets when the next one is due)"),
    Command("action", "vigil.cli.actions", "add or change an incident's corrective actions"),
    Command("clock", "vigil.cli.clocks", "start or satisfy an incident's regulatory clocks"),
    Command("filing", "vigil.cli.filings", "draft a clock's filing packet from the incident, or record it as sent"),
    Command("page", "vigil.cli.paging", "page an incident's on-call responders or one person (PagerDuty), once each"),
    Command("tasks", "vigil.cli.tasks", "an incident's playbook steps: done, skipped, open and late"),
    Command("task", "vigil.cli.tasks", "mark a playbook step done, or skip it with a reason"),
    Command("refer", "vigil.cli.referrals", "hand part of an incident to another process (dispute, claim...)"),
    Command("referrals", "vigil.cli.referrals", "an incident's referrals: status, owner, due date, outcome"),
    Command("referral", "vigil.cli.referrals", "move a referral along (accepted, decided, closed...)"),
    Command("signals", "vigil.cli.signals", "groups of reports waiting for triage: count, sources, first and last"),
    Command(
        "signal", "vigil.cli.signals", "declare an incident from a group of signals, attach it to one, or dismiss it"
    ),
    Command("parties", "vigil.cli.parties", "the people a case is about (members only; every read is audited)"),
    Command("people", "vigil.cli.people", "who Vigil knows by name, for --as and person arguments"),
    Command("review", "vigil.cli.reviews", "render, edit, submit or publish an incident's post-incident review"),
    Command("export", "vigil.cli.web", "CSV of incidents, or of the figures behind a trends chart"),
    Command("api-keys", "vigil.cli.apikeys", "keys for the intake API (/api/v1)"),
    Command("jira", "vigil.cli.jira", "Jira sync of corrective actions (resync, reconcile)"),
    Command("redaction", "vigil.cli.redaction", "personal-data detection kept with the text (rescan)"),
    Command("verify", "vigil.cli.record", "check the record: every entry, link and checkpoint, one line per problem"),
    Command("hold", "vigil.cli.record", "place a legal hold on an incident (or release it): no erasure, no purge"),
    Command("holds", "vigil.cli.record", "the legal holds in place"),
    Command("evidence", "vigil.cli.evidence", "write an incident's evidence package (BagIt, sealed), or verify one"),
    Command("db", "vigil.cli.schema", "create or upgrade the database schema (Alembic)"),
    Command("serve", "vigil.cli.serve", "run the Slack bot (Socket Mode; --http for HTTP mode)"),
    Command("web", "vigil.cli.web", "serve the web view (incidents, reviews, trends) on its own port"),
    Command("try", "vigil.cli.serve", "try everything without a workspace: Slack emulator, bot, web view and API"),
    Command("demo", "vigil.demo", "play a scripted incident against a local Slack emulator"),
    Command("help", "vigil.cli.help", "describe a command (vigil help COMMAND), or list them all"),
)

DESCRIPTION = """Run incidents from a terminal, manage the database, and start the bot.

Every command drives the same domain services the bot does, on the database VIGIL_DATABASE_URL names
(default: ./vigil.db; create it with `vigil db upgrade`). `vigil help COMMAND` describes a command."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Room for the longest command name (``decline-handoff``) beside its help."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


class VigilArgumentParser(argparse.ArgumentParser):
    """An argument mistake is one line naming the command and where its help is (exit status 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message.rstrip('.')} (see `{self.prog} --help`)\n")


class PackageVersion(argparse.Action):
    """``--version``: the installed package's version, read from its metadata when asked, not at every start."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> NoReturn:
        try:
            version = metadata.version("vigil")
        except metadata.PackageNotFoundError:
            version = "(unknown: Vigil is not installed as a package; pip install -e . installs it)"
        print(f"vigil {version}")
        parser.exit()


class LazySubcommands:
    """Subcommands whose arguments are added when the subcommand is chosen: ``vigil list`` never imports what
    ``vigil serve`` needs, and ``vigil --help`` imports nothing."""

    def __init__(self, parsers: Mapping[str, argparse.ArgumentParser]) -> None:
        self.parsers = parsers
        self.pending = {command.name: command for command in COMMANDS}

    def define(self, name: str) -> argparse.ArgumentParser:
        """The parser of subcommand ``name``, with its arguments (added now if they were not yet)."""
        parser = self.parsers[name]
        command = self.pending.pop(name, None)
        if command is not None:
            definitions: Mapping[str, Definition] = importlib.import_module(command.module).DEFINITIONS
            definitions[name](parser)
        return parser

    def define_named(self, argv: Sequence[str]) -> None:
        """Define the subcommand ``argv`` names (the first word that is not an option or ``--as``'s value)."""
        words = iter(argv)
        for word in words:
            if word == "--as":
                next(words, None)
            elif not word.startswith("-"):
                if word in self.pending:
                    self.define(word)
                return


def build_parser() -> tuple[VigilArgumentParser, LazySubcommands]:
    """The ``vigil`` parser, and its commands (to define them all, e.g. to check every option has help)."""
    parser = VigilArgumentParser(prog="vigil", description=DESCRIPTION)
    parser.add_argument("--version", action=PackageVersion, help="the version of Vigil installed")
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="PERSON",
        default=f"cli:{getpass.getuser()}",
        help=f"who is acting: {PERSON_HELP} (default: cli:$USER)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    parsers = {
        command.name: subparsers.add_parser(
            command.name, help=command.help, description=command.help[0].upper() + command.help[1:] + "."
        )
        for command in COMMANDS
    }
    return parser, LazySubcommands(parsers)
