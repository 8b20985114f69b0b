"""``vigil list`` and ``vigil show``: reading incidents, the commands that must answer at once (nothing here loads
the bot, the web view, Alembic or the personal-data detector). They read as the operator at the terminal
(:attr:`incidents.access.ViewerKind.OPERATOR`), whom the access policy lets read every incident whole."""

from __future__ import annotations

import argparse
from dataclasses import replace

from incidents.access import Act, Who, permits, standing
from incidents.context import Ctx
from incidents.people import Names
from incidents.queries import incident_to_show, list_incidents, no_incident
from vigil.cli import render
from vigil.cli.database import reading
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.values import add_incident_filters, incident_filter, policy, positive


def _list(ctx: Ctx, a: argparse.Namespace) -> str:
    found = list_incidents(
        ctx,
        replace(incident_filter(a, open_only=not a.all), seen_by=Who.operator(a.actor)),
        limit=a.limit,
    )
    if not found:
        filtered = a.severity or a.type or a.region or a.search
        which = "No incidents" if a.all else "No open incidents"
        return f"{which}{' match' if filtered else ''}{'' if a.all else ' (--all includes resolved and closed ones)'}."
    names = Names.load(ctx, (i.commander for i in found))
    return "\n".join(render.incident_row(i, names) for i in found)


def _show(ctx: Ctx, a: argparse.Namespace) -> str:
    who = Who.operator(a.actor)
    found = standing(ctx.session, who, ref=a.ref)
    if found is None or not permits(who, found, Act.SEE_INCIDENT):
        raise no_incident(a.ref)
    incident = incident_to_show(ctx, found.ref)
    return render.incident_detail(
        incident,
        ctx.now(),
        Names.of_incident(ctx, incident),
        sensitive=permits(who, found, Act.SEE_SENSITIVE_ENTRIES),
        parties=permits(who, found, Act.SEE_PARTIES),
    )


def _define_list(p: argparse.ArgumentParser) -> None:
    pack = policy()
    p.add_argument("--all", action="store_true", help="resolved and closed incidents too")
    add_incident_filters(p, pack)
    p.add_argument("--limit", type=positive, default=50, help="at most this many (default 50)")
    p.set_defaults(handler=reading(_list))


def _define_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    p.set_defaults(handler=reading(_show))


DEFINITIONS: dict[str, Definition] = {"list": _define_list, "show": _define_show}
