"""``vigil signals`` and ``vigil signal declare|attach|dismiss GROUP``: the triage queue from a terminal, the same
decisions the triage channel's buttons make. Counts, sources and times only: what the reports say is for the
members of the incident they become."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.enums import Severity
from incidents.errors import VigilError
from incidents.lifecycle import parse_severity
from incidents.signals import triage
from incidents.signals.queries import GroupView, group_view, waiting
from vigil.cli.database import acting, reading
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.terminal import printable
from vigil.cli.values import one_of, parsed_by, positive


def line(group: GroupView) -> str:
    where = f" · {group.region}" if group.region else ""
    sources = ", ".join(f"{printable(source)} {count}" for source, count in group.sources.items())
    noun = "signal" if group.count == 1 else "signals"
    when = f"first {group.first_at:%Y-%m-%d %H:%M}, last {group.last_at:%H:%M} UTC"
    return (
        f"#{group.id} {group.type_label}{where}: {group.count} {noun} ({sources}); {when}, {group.per_minute():.1f}/min"
    )


def _list(ctx: Ctx, _a: argparse.Namespace) -> str:
    groups = waiting(ctx)
    if not groups:
        return "No signals wait for triage."
    listed = "\n".join(line(g) for g in groups)
    return f"{listed}\nDecide with `vigil signal declare|attach|dismiss GROUP`."


def _decide(ctx: Ctx, a: argparse.Namespace) -> str:
    if a.verb != "attach" and a.ref is not None:
        raise VigilError(
            f"`vigil signal {a.verb}` takes no incident; did you mean `vigil signal attach {a.group} {a.ref}`?"
        )
    if a.verb == "attach":
        if a.ref is None:
            raise VigilError(f"Say which incident: `vigil signal attach {a.group} INC-2026-0001`.")
        incident = triage.attach(ctx, a.group, a.ref, actor=a.actor)
        return f"Signal group {a.group} is now part of {incident.ref}: its signals go on the timeline."
    if a.verb == "dismiss":
        if not a.reason:
            raise VigilError(f'Say why: `vigil signal dismiss {a.group} --reason "..."`.')
        triage.dismiss(ctx, a.group, actor=a.actor, reason=a.reason)
        return f"Signal group {a.group} dismissed; reports still arriving in its window are counted, not posted."
    incident = triage.declare_group(ctx, a.group, actor=a.actor, severity=a.severity)
    view = group_view(ctx, a.group)
    return f"Declared {incident.ref} ({incident.severity.value}, {incident.tier.value}) from {view.count} signals."


def _define_signals(p: argparse.ArgumentParser) -> None:
    p.set_defaults(handler=reading(_list))


def _define_signal(p: argparse.ArgumentParser) -> None:
    p.add_argument("verb", choices=("declare", "attach", "dismiss"), help="what to do with the group")
    p.add_argument("group", type=positive, help="the group's number, as `vigil signals` lists it")
    p.add_argument("ref", nargs="?", help=f"with attach: {REF_HELP}")
    p.add_argument("--reason", help="with dismiss: why it needs no incident")
    p.add_argument(
        "--severity",
        type=parsed_by(parse_severity),
        help=f"with declare: {one_of(Severity)} (default: the reports' hints)",
    )
    p.set_defaults(handler=acting(_decide))


DEFINITIONS: dict[str, Definition] = {"signals": _define_signals, "signal": _define_signal}
