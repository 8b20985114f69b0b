"""``vigil page REF [--service NAME | --person WHO]``: wake a paging service's on-call responder, or one person,
for an incident."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.paging import service as paging
from incidents.settings import load_settings
from vigil.cli.database import acting
from vigil.cli.parser import PERSON_HELP, REF_HELP, Definition
from vigil.cli.terminal import when


def _page(ctx: Ctx, a: argparse.Namespace) -> str:
    reason = a.reason or "paged from the terminal"
    if a.person is None:
        paged = paging.page(ctx, a.ref, service=a.service, actor=a.actor, reason=reason)
    else:
        paged = paging.page_person(ctx, a.ref, person=a.person, actor=a.actor, reason=reason, settings=load_settings())
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
    whom = p.add_mutually_exclusive_group()
    whom.add_argument(
        "--service",
        metavar="NAME",
        help="the policy pack's paging service, by name or label (default: the one the incident's route pages)",
    )
    whom.add_argument(
        "--person",
        metavar="WHO",
        help=f"one person, through PagerDuty's REST API: {PERSON_HELP}, or any e-mail PagerDuty knows",
    )
    p.add_argument("--reason", help="why, for the timeline (default: paged from the terminal)")
    p.set_defaults(handler=acting(_page))


DEFINITIONS: dict[str, Definition] = {"page": _define_page}
