"""``vigil note`` and ``vigil update``: what the timeline records, and the status updates people are owed."""

from __future__ import annotations

import argparse
from datetime import timedelta

from incidents import timeline
from incidents.context import Ctx
from incidents.enums import Status
from incidents.lifecycle import parse_status
from incidents.queries import incident_to_change
from vigil.cli.database import acting
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.resolving import asking_first
from vigil.cli.terminal import when
from vigil.cli.values import one_of, parsed_by, positive, time


def _note(ctx: Ctx, a: argparse.Namespace) -> str:
    entry = timeline.add_note(ctx, a.ref, actor=a.actor, text=a.text, sensitive=a.sensitive, at=a.at)
    warning = " behind a content warning" if entry.sensitive else ""
    return f"Note added to {a.ref.upper()}{warning}, at {when(entry.at)}."


def _update(ctx: Ctx, a: argparse.Namespace) -> str:
    before = incident_to_change(ctx, a.ref).status
    update = timeline.post_update(
        ctx,
        a.ref,
        actor=a.actor,
        summary=a.summary,
        status=a.status,
        impact=a.impact,
        next_steps=a.next_steps,
        next_update_in=timedelta(minutes=a.next_in) if a.next_in else None,
        confirmed=False,
    )
    moved = f"; status {before.value} → {update.status.value}" if update.status is not before else ""
    due = f"next update due {when(update.next_update_due)}" if update.next_update_due else "no further update due"
    return f"Update posted to {update.incident.ref}{moved}; {due}."


def _define_note(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    p.add_argument("text", help="the note")
    p.add_argument("--sensitive", action="store_true", help="content warning; left out of leadership reviews")
    p.add_argument("--at", type=time, metavar="TIME", help="when it happened, ISO 8601 (default now)")
    p.set_defaults(handler=acting(_note))


def _define_update(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    p.add_argument("summary", help="what changed since the last update")
    p.add_argument("--status", type=parsed_by(parse_status), help=f"move the incident too: {one_of(Status)}")
    p.add_argument("--impact", default="", help="who or what is affected now")
    p.add_argument("--next-steps", default="", help="what happens next")
    p.add_argument(
        "--next-in", type=positive, metavar="MINUTES", help="minutes until the next update (default: severity cadence)"
    )
    p.set_defaults(handler=asking_first(acting(_update)))


DEFINITIONS: dict[str, Definition] = {"note": _define_note, "update": _define_update}
