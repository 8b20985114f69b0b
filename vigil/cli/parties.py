"""``vigil parties add|list|erase``: the people a case is about, for the incident's members (``--as``)."""

from __future__ import annotations

import argparse
from typing import Any

from incidents import parties
from incidents.context import Ctx
from incidents.party_models import PartyRole


def _add(ctx: Ctx, a: argparse.Namespace) -> str:
    added = parties.add_party(
        ctx,
        a.ref,
        actor=a.actor,
        role=parties.parse_role(a.role),
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


def register(sub: Any) -> None:
    from vigil.cli.commands import _in_unit

    p = sub.add_parser("parties", help="the people a case is about (members only; every read is audited)")
    parties_sub = p.add_subparsers(dest="parties_command", required=True)
    add = parties_sub.add_parser("add", help="add a reporter, affected person, subject account or witness")
    add.add_argument("ref")
    add.add_argument("--role", required=True, help=" | ".join(r.value for r in PartyRole))
    add.add_argument("--name")
    add.add_argument("--handle", help="platform handle, with or without @")
    add.add_argument("--account-id", help="platform account id")
    add.add_argument("--contact", help="e-mail address or phone number")
    add.set_defaults(handler=_in_unit(_add))
    listing = parties_sub.add_parser("list", help="the parties with their identifiers")
    listing.add_argument("ref")
    listing.set_defaults(handler=_in_unit(_list))
    erase = parties_sub.add_parser(
        "erase", help="replace a party's identifiers with its role token across the incident, irreversibly"
    )
    erase.add_argument("ref")
    erase.add_argument("party", help="its number or token, e.g. 2 or witness-2")
    erase.set_defaults(handler=_in_unit(_erase))
