"""``vigil verify``, ``vigil hold`` and ``vigil holds``: checking the record, and keeping an incident whole for a
legal matter. ``verify`` compares the database with the checkpoint hashes posted to the record channel when one is
configured (it reads them from Slack), and exits 0 only when everything holds."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.db import database_errors
from incidents.errors import VigilError
from incidents.people import Names
from incidents.record import holds
from incidents.record.signing import signer_from
from incidents.record.verify import verify_database
from incidents.settings import Settings, load_settings
from vigil.cli.database import acting, open_domain, reading
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.terminal import printable
from vigil.cli.values import time


def _verify(args: argparse.Namespace) -> int:
    if args.ref is None and not args.all:
        raise VigilError("Say what to verify: an incident's reference, or --all.")
    settings = load_settings()
    signer = signer_from(settings)
    posted = _posted(settings)
    domain = open_domain(settings)
    try:
        with database_errors(settings.database_url):
            outcome = verify_database(
                domain.engine, signer.public if signer else None, ref=args.ref, since=args.since, posted=posted
            )
    finally:
        domain.engine.dispose()
    for line in (*outcome.problems, *outcome.notes, outcome.summary):
        print(printable(line))
    return 0 if outcome.holds else 1


def _posted(settings: Settings) -> dict[int, str] | None:
    """The checkpoint hashes in the record channel; None when there is none to compare with."""
    if not settings.record_channel or not settings.slack_bot_token:
        return None
    from slack_sdk.errors import SlackApiError

    from bot.context import web_client
    from bot.record_anchor import posted_checkpoints

    try:
        return posted_checkpoints(web_client(settings), settings.record_channel)
    except (SlackApiError, OSError) as exc:
        raise VigilError(
            f"Cannot read the record channel {settings.record_channel} from Slack ({exc}): "
            "the checkpoints cannot be compared with it; try again, or check SLACK_BOT_TOKEN."
        ) from None


def _hold(ctx: Ctx, a: argparse.Namespace) -> str:
    if a.target[0] == "release":
        if len(a.target) != 2:
            raise VigilError("Give the incident to release: vigil hold release REF [--matter MATTER].")
        released = holds.release_hold(ctx, a.target[1], actor=a.actor, matter=a.matter)
        return "\n".join(f"Released the legal hold on {a.target[1].upper()} for {h.matter}." for h in released)
    if len(a.target) != 1 or not a.matter or not a.reason:
        raise VigilError('Place a hold with: vigil hold REF --matter "…" --reason "…".')
    hold = holds.place_hold(ctx, a.target[0], actor=a.actor, matter=a.matter, reason=a.reason)
    ref = a.target[0].upper()
    return f"Placed a legal hold on {ref} for {hold.matter}: erasure and purge are refused until it is released."


def _holds(ctx: Ctx, _a: argparse.Namespace) -> str:
    placed = holds.all_active_holds(ctx)
    names = Names.load(ctx, [hold.placed_by for _ref, hold in placed])
    lines = (holds.describe_hold(ref, hold, names) for ref, hold in placed)
    return "\n".join(lines) or "No legal holds are in place."


def _define_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", nargs="?", help=REF_HELP + " (or --all)")
    p.add_argument("--all", action="store_true", help="every incident, and what belongs to none")
    p.add_argument("--since", type=time, metavar="DATE", help="only the logs that grew since then (ISO 8601)")
    p.set_defaults(handler=_verify)


def _define_hold(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", nargs="+", metavar="REF | release REF", help="the incident to hold, or release and it")
    p.add_argument("--matter", help="the legal matter the hold is for (names it in every refusal)")
    p.add_argument("--reason", help="why the incident is held")
    p.set_defaults(handler=acting(_hold))


def _define_holds(p: argparse.ArgumentParser) -> None:
    p.set_defaults(handler=reading(_holds))


DEFINITIONS: dict[str, Definition] = {"verify": _define_verify, "hold": _define_hold, "holds": _define_holds}
