"""``vigil clock start|satisfy``: an incident's regulatory clocks, started by hand or met with a reference."""

from __future__ import annotations

import argparse

from incidents.clocks import service as clocks
from incidents.context import Ctx
from incidents.queries import incident_to_change
from vigil.cli import render
from vigil.cli.database import acting
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.terminal import printable, when
from vigil.cli.values import one_of, policy, positive, time


def _start(ctx: Ctx, a: argparse.Namespace) -> str:
    clock = clocks.start_clock(ctx, a.ref, actor=a.actor, regime=a.regime, trigger_at=a.at)
    return f"{clock.incident.ref}: {render.clocks_started([clock])}"


def _satisfy(ctx: Ctx, a: argparse.Namespace) -> str:
    before = {c.id for c in incident_to_change(ctx, a.ref).clocks}
    clock = clocks.satisfy_clock(
        ctx, a.ref, actor=a.actor, clock_id=a.id, regime=a.regime, reference_id=a.reference, at=a.at
    )
    verdict = "met" if clock.met else "MISSED"
    said = (
        f"Clock #{clock.id} {clock.regime} of {clock.incident.ref} {verdict}: satisfied {when(clock.satisfied_at)}, "
        f"due {when(clock.due_at)}, reference {printable(clock.reference_id)}."
    )
    chained = [c for c in incident_to_change(ctx, a.ref).clocks if c.id not in before]
    return f"{said}\n{render.clocks_started(chained)}" if chained else said


def _define_clock(p: argparse.ArgumentParser) -> None:
    regimes = one_of(policy().clocks)
    steps = p.add_subparsers(dest="clock_command", required=True, metavar="STEP", title="steps")
    start = steps.add_parser(
        "start", help="start a clock by hand (declare starts the ones the types need)", description="Start a clock."
    )
    start.add_argument("ref", help=REF_HELP)
    start.add_argument("regime", help=f"one of {regimes}")
    start.add_argument(
        "--at", type=time, metavar="TIME", help="when the organisation became aware, ISO 8601 (default now)"
    )
    start.set_defaults(handler=acting(_start))
    satisfy = steps.add_parser(
        "satisfy",
        help="mark a running clock met (or missed, if late) with the report's reference",
        description="Satisfy a running clock: name it with --id or --regime when several run.",
    )
    satisfy.add_argument("ref", help=REF_HELP)
    which = satisfy.add_mutually_exclusive_group()
    which.add_argument("--id", type=positive, help="the clock's number, as `vigil show` lists it")
    which.add_argument("--regime", help=f"the clock's regime: {regimes}")
    satisfy.add_argument("--reference", required=True, help="the report or notice id")
    satisfy.add_argument("--at", type=time, metavar="TIME", help="when it was done, ISO 8601 (default now)")
    satisfy.set_defaults(handler=acting(_satisfy))


DEFINITIONS: dict[str, Definition] = {"clock": _define_clock}
