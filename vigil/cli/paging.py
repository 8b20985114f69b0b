"""``vigil page REF [--service NAME]``: wake a paging service's on-call responder for an incident."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.paging import service as paging
from vigil.cli.database import acting
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.terminal import when


def _page(ctx: Ctx, a: argparse.Namespace) -> str:
    paged = paging.page(ctx, a.ref, service=a.service, actor=a.actor, reason=a.reason or "paged from the terminal")
    ref = paged.page.incident.ref
    if paged.new:
        return f"{ref}: paging {paged.label}; the running bot sends it (its outbox retries until PagerDuty answers)."
    page = paged.page
    state = page.state.value
    if page.acknowledged_at is not None:
        state = f"acknowledged by {page.acknowledged_by} {when(page.acknowledged_at)}"
    elif page.sent_at is not None:
        state = f"sent {when(page.sent_at)}, not acknowledged yet"
    return f"{ref}: {paged.label} was already paged ({state}); nothing sent again."


def _define_page(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    p.add_argument(
        "--service",
        metavar="NAME",
        help="the policy pack's paging service, by name or label (default: the one the incident's route pages)",
    )
    p.add_argument("--reason", help="why, for the timeline (default: paged from the terminal)")
    p.set_defaults(handler=acting(_page))


DEFINITIONS: dict[str, Definition] = {"page": _define_page}
