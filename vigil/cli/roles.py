"""``vigil role``, ``handoff``, ``accept-handoff`` and ``decline-handoff``: who holds which role. People are named
as ``--as`` names them (a Slack id, @name, an e-mail or cli:name) and shown by name."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from incidents import roles
from incidents.context import Ctx
from incidents.people import display, resolve_person
from vigil.cli.database import acting
from vigil.cli.parser import PERSON_HELP, REF_HELP, Definition
from vigil.cli.terminal import printable
from vigil.cli.values import one_of, policy, positive


def _role(ctx: Ctx, a: argparse.Namespace) -> str:
    role, person = roles.check_role(ctx, a.role), resolve_person(ctx, a.person)
    if a.relieve:
        roles.relieve_role(ctx, a.ref, actor=a.actor, role=role, person=person)
        return f"{printable(display(ctx, person))} is no longer {role} on {a.ref.upper()}."
    roles.assign_role(ctx, a.ref, actor=a.actor, role=role, person=person)
    return f"{printable(display(ctx, person))} is now {role} on {a.ref.upper()}."


def _handoff(ctx: Ctx, a: argparse.Namespace) -> str:
    to = resolve_person(ctx, a.person)
    offer = roles.handoff(ctx, a.ref, actor=a.actor, to=to)
    commander = display(ctx, offer.from_person) if offer.from_person else "nobody"
    return (
        f"Hand-off #{offer.id} of {offer.incident.ref} offered to {printable(display(ctx, to))}; "
        f"{printable(commander)} stays commander until they accept: `vigil --as {printable(to)} accept-handoff "
        f"{offer.id}`."
    )


def _accept(ctx: Ctx, a: argparse.Namespace) -> str:
    incident = roles.accept_handoff(ctx, a.id, actor=a.actor)
    return f"{printable(display(ctx, a.actor))} is now commander of {incident.ref} (hand-off #{a.id} accepted)."


def _decline(ctx: Ctx, a: argparse.Namespace) -> str:
    offer = roles.decline_handoff(ctx, a.id, actor=a.actor)
    commander = display(ctx, offer.incident.commander) if offer.incident.commander else "nobody"
    return f"Hand-off #{a.id} declined; {printable(commander)} stays commander of {offer.incident.ref}."


def _define_role(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    p.add_argument("role", help=f"one of {one_of(policy().roles)} (commander only while there is none: see handoff)")
    p.add_argument("person", help=PERSON_HELP)
    p.add_argument("--relieve", action="store_true", help="take the role back from them instead")
    p.set_defaults(handler=acting(_role))


def _define_handoff(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    p.add_argument("person", help=f"the next commander: {PERSON_HELP}")
    p.set_defaults(handler=acting(_handoff))


def _define_settle(work: Callable[[Ctx, argparse.Namespace], str]) -> Definition:
    def define(p: argparse.ArgumentParser) -> None:
        p.add_argument("id", type=positive, help="the hand-off's number, as `vigil handoff` printed it")
        p.set_defaults(handler=acting(work))

    return define


DEFINITIONS: dict[str, Definition] = {
    "role": _define_role,
    "handoff": _define_handoff,
    "accept-handoff": _define_settle(_accept),
    "decline-handoff": _define_settle(_decline),
}
