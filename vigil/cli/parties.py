"""``vigil parties add|list|erase``: the people a case is about, for the incident's members (``--as``)."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.parties import service as parties
from incidents.parties.models import PartyRole
from vigil.cli.database import acting
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.values import one_of, parsed_by


def _add(ctx: Ctx, a: argparse.Namespace) -> str:
    added = parties.add_party(
        ctx,
        a.ref,
        actor=a.actor,
        role=a.role,
        name=a.name,
        handle=a.handle,
        account_id=a.account_id,
        contact=a.contact,
    )
    return f"Added party {added.party.number} ({added.token}) to {added.party.incident.ref}."


def _list(ctx: Ctx, a: argparse.Namespace) -> str:
    listed = parties.list_parties(ctx, a.ref, actor=a.actor)
    return "\n".join(parties.describe(p) for p in listed) or f"{a.ref.upper()} has no parties."


def _erase(ctx: Ctx, a: argparse.Namespace) -> str:
    return parties.erase_party(ctx, a.ref, a.party, actor=a.actor).message


def _define_parties(p: argparse.ArgumentParser) -> None:
    steps = p.add_subparsers(dest="parties_command", required=True, metavar="STEP", title="steps")
    add = steps.add_parser("add", help="add a reporter, affected person, subject account or witness")
    add.add_argument("ref", help=REF_HELP)
    add.add_argument("--role", required=True, type=parsed_by(parties.parse_role), help=f"one of {one_of(PartyRole)}")
    add.add_argument("--name", help="their name")
    add.add_argument("--handle", help="platform handle, with or without @")
    add.add_argument("--account-id", help="platform account id")
    add.add_argument("--contact", help="e-mail address or phone number")
    add.set_defaults(handler=acting(_add))
    listing = steps.add_parser("list", help="the parties with their identifiers (the read is audited)")
    listing.add_argument("ref", help=REF_HELP)
    listing.set_defaults(handler=acting(_list))
    erase = steps.add_parser(
        "erase", help="replace a party's identifiers with its role token across the incident, irreversibly"
    )
    erase.add_argument("ref", help=REF_HELP)
    erase.add_argument("party", help="its number or token, e.g. 2 or witness-2")
    erase.set_defaults(handler=acting(_erase))


DEFINITIONS: dict[str, Definition] = {"parties": _define_parties}
