"""``vigil redaction rescan``: personal-data detection kept with the text, brought up to the current detector."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.privacy.rescan import rescan
from vigil.cli.database import acting
from vigil.cli.parser import Definition


def _rescan(ctx: Ctx, _args: argparse.Namespace) -> str:
    return rescan(ctx).message


def _define_redaction(p: argparse.ArgumentParser) -> None:
    steps = p.add_subparsers(dest="redaction_command", required=True, metavar="STEP", title="steps")
    steps.add_parser(
        "rescan", help="detect personal data again in every row the current detector has not scanned"
    ).set_defaults(handler=acting(_rescan))


DEFINITIONS: dict[str, Definition] = {"redaction": _define_redaction}
