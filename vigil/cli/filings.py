"""``vigil filing draft|record``: a regulatory clock's filing packet, filled from the incident, and the record of
its sending, which meets the clock."""

from __future__ import annotations

import argparse
import json

from incidents.context import Ctx
from incidents.filings.markdown import packet_markdown
from incidents.filings.service import draft, record_submission, with_filing
from incidents.queries import incident_to_change
from vigil.cli import render
from vigil.cli.database import acting
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.terminal import printable, when
from vigil.cli.values import one_of, policy, time

FORMATS = ("md", "json")


def _draft(ctx: Ctx, a: argparse.Namespace) -> str:
    packet = draft(ctx, a.ref, a.clock, actor=a.actor)
    if a.format == "json":
        return json.dumps(packet.as_json(), indent=2, ensure_ascii=False)
    return packet_markdown(packet)


def _record(ctx: Ctx, a: argparse.Namespace) -> str:
    before = {c.id for c in incident_to_change(ctx, a.ref).clocks}
    clock = record_submission(ctx, a.ref, a.clock, reference=a.reference, sent_at=a.sent_at, actor=a.actor)
    verdict = "met" if clock.met else "MISSED"
    said = (
        f"Recorded the {clock.regime} filing of {clock.incident.ref}: sent {when(clock.satisfied_at)}, reference "
        f"{printable(clock.reference_id)}; clock #{clock.id} {verdict} (due {when(clock.due_at)})."
    )
    chained = [c for c in clock.incident.clocks if c.id not in before]
    return f"{said}\n{render.clocks_started(chained)}" if chained else said


def _define_filing(p: argparse.ArgumentParser) -> None:
    clocks = one_of(with_filing(policy()))
    steps = p.add_subparsers(dest="filing_command", required=True, metavar="STEP", title="steps")
    drafting = steps.add_parser(
        "draft",
        help="the clock's packet filled from the incident, with what is still missing",
        description="Draft a filing packet: the fields the regulator asks for, filled from the incident.",
    )
    drafting.add_argument("ref", help=REF_HELP)
    drafting.add_argument("clock", help=f"the clock's regime ({clocks}) or its number, as `vigil show` lists it")
    drafting.add_argument("--format", choices=FORMATS, default="md", help="Markdown (default) or JSON")
    drafting.set_defaults(handler=acting(_draft))
    recording = steps.add_parser(
        "record",
        help="record that the packet was sent: the clock is met (or missed, if late)",
        description="Record a filing's submission with the recipient's reference and when it was sent.",
    )
    recording.add_argument("ref", help=REF_HELP)
    recording.add_argument("clock", help=f"the clock's regime ({clocks}) or its number")
    recording.add_argument("--reference", required=True, help="the recipient's reference for it (report or case id)")
    recording.add_argument(
        "--sent-at",
        required=True,
        type=time,
        metavar="TIME",
        help="when it was sent, ISO 8601 (e.g. 2026-11-23T14:05Z)",
    )
    recording.set_defaults(handler=acting(_record))


DEFINITIONS: dict[str, Definition] = {"filing": _define_filing}
