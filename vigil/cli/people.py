"""``vigil people``: who Vigil knows by name (to pick someone for ``--as`` or a person argument), and ``vigil people
name`` to name someone by hand (a team without Slack, or the README's walkthrough people)."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.models import Person
from incidents.people import display_name, known_people, name_person
from vigil.cli.database import acting, reading
from vigil.cli.parser import Definition
from vigil.cli.terminal import printable, when


def _row(person: Person) -> str:
    if person.missing:
        source = "Slack: no such user"
    elif person.learned_at is not None:
        source = f"from Slack {when(person.learned_at)}"
    else:
        source = ""
    return f"{person.key:<20} {display_name(person.key, person):<28} {person.email or '-':<32} {source}".rstrip()


def _list(ctx: Ctx, _a: argparse.Namespace) -> str:
    return "\n".join(printable(_row(p)) for p in known_people(ctx)) or "Vigil knows no one yet."


def _name(ctx: Ctx, a: argparse.Namespace) -> str:
    person = name_person(ctx, a.key, display_name=a.name, email=a.email)
    return f"{person.key} is {printable(display_name(person.key, person))}."


def _define(p: argparse.ArgumentParser) -> None:
    p.set_defaults(handler=reading(_list))
    people = p.add_subparsers(dest="people_command", metavar="SUBCOMMAND", title="subcommands")
    name = people.add_parser("name", help="name someone by hand (Slack's name replaces it once the bot learns it)")
    name.add_argument("key", help="a Slack user id (U…) or cli:name")
    name.add_argument("name", help="the name to show, e.g. 'Maya Patel'")
    name.add_argument("--email", help="their e-mail address (then --as and person arguments take it too)")
    name.set_defaults(handler=acting(_name))


DEFINITIONS: dict[str, Definition] = {"people": _define}
