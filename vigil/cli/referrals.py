"""``vigil refer REF``, ``vigil referrals REF`` and ``vigil referral ID STATUS``: an incident's hand-overs to other
processes (a user dispute, a claim, the police...), opened, listed and moved along to closure."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.people import Names, resolve_person
from incidents.queries import incident_to_change
from incidents.referrals import service as referrals
from incidents.referrals.models import Referral, ReferralStatus
from vigil.cli.database import acting, reading
from vigil.cli.parser import PERSON_HELP, REF_HELP, Definition
from vigil.cli.terminal import printable
from vigil.cli.values import day, one_of, parsed_by, policy, positive


def _line(ctx: Ctx, referral: Referral, names: Names) -> str:
    """Everything about one referral on one line: the terminal is for the people who run the incident."""
    said = referral.reason if referral.status is ReferralStatus.DECLINED else referral.outcome
    facts = [
        referral.status.value + (f": {printable(said)}" if said else ""),
        f"owner {printable(names.display(referral.owner))}" if referral.owner else "no owner",
        f"due {referral.due_date.isoformat()}" if referral.due_date else "no due date",
        f"reference {printable(referral.external_ref)}" if referral.external_ref else None,
        f"Jira {referral.tracker_key}" if referral.tracker_key else None,
        "OVERDUE" if referrals.is_overdue(referral, ctx.now().date()) else None,
    ]
    kind = referrals.kind_label(ctx.policy, referral.kind)
    return f"#{referral.id} {kind}: {', '.join(f for f in facts if f)}"


def _refer(ctx: Ctx, a: argparse.Namespace) -> str:
    referral = referrals.open_referral(
        ctx,
        a.ref,
        actor=a.actor,
        kind=a.kind,
        owner=resolve_person(ctx, a.owner) if a.owner else None,
        due_date=a.due,
        external_ref=a.external_ref,
        note=a.note,
    )
    line = _line(ctx, referral, Names.load(ctx, [referral.owner]))
    return f"Opened on {referral.incident.ref}: {line}. `vigil referral {referral.id} STATUS` moves it along."


def _list(ctx: Ctx, a: argparse.Namespace) -> str:
    incident = incident_to_change(ctx, a.ref)
    listed = referrals.referrals_of(incident)
    if not listed:
        return f"{incident.ref} has no referrals. Open one with `vigil refer {incident.ref} --kind KIND`."
    names = Names.load(ctx, (r.owner for r in listed))
    still_open = sum(1 for r in listed if r.status.is_open)
    lines = "\n".join(_line(ctx, r, names) for r in listed)
    counted = f"{len(listed)} referral" + ("s" if len(listed) > 1 else "")
    return f"{incident.ref}: {counted}, {still_open} open\n{lines}"


_TAKES = {"outcome": ReferralStatus.DECIDED, "reason": ReferralStatus.DECLINED}
"""Which status each text option goes with."""


def _move(ctx: Ctx, a: argparse.Namespace) -> str:
    for option, status in _TAKES.items():
        if getattr(a, option) is not None and a.status is not status:
            raise VigilError(f"--{option} goes with {status.value}, not {a.status.value}.")
    return referrals.move_referral(ctx, a.id, a.status, actor=a.actor, said=a.outcome or a.reason or "")[1]


def _define_refer(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    kinds = one_of(policy().referral_kinds)
    p.add_argument("--kind", required=True, help=f"the process it goes to: {kinds}")
    p.add_argument("--owner", metavar="PERSON", help=f"who follows it up: {PERSON_HELP}")
    p.add_argument("--due", type=day, metavar="YYYY-MM-DD", help="when it is due (default: the kind's due days)")
    p.add_argument("--external-ref", metavar="ID", help="the other process's reference (case, claim or report id)")
    p.add_argument("--note", default="", help="what the other process needs to know (members only)")
    p.set_defaults(handler=acting(_refer))


def _define_referrals(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    p.set_defaults(handler=reading(_list))


def _define_referral(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", type=positive, help="the referral's number, as `vigil referrals REF` lists it")
    p.add_argument(
        "status",
        type=parsed_by(referrals.parse_status),
        metavar="STATUS",
        help=f"its new status: {one_of(ReferralStatus)}",
    )
    said = p.add_mutually_exclusive_group()
    said.add_argument("--outcome", help="what was decided (required with decided)")
    said.add_argument("--reason", help="why it was declined (required with declined)")
    p.set_defaults(handler=acting(_move))


DEFINITIONS: dict[str, Definition] = {
    "refer": _define_refer,
    "referrals": _define_referrals,
    "referral": _define_referral,
}
