"""``vigil jira resync`` and ``vigil jira reconcile``: operator levers for the Jira sync of corrective actions."""

from __future__ import annotations

import argparse

from incidents.db import database_errors
from incidents.errors import ConfigError, VigilError
from incidents.settings import load_settings
from incidents.tracker import build_sync, reconcile, resync
from incidents.tracker.port import TrackerError
from vigil.cli.database import open_domain
from vigil.cli.parser import Definition


def _resync(args: argparse.Namespace) -> int:
    settings = load_settings()
    domain = open_domain(settings)
    try:
        with database_errors(settings.database_url):
            queued = resync(domain, include_local=args.local)
    finally:
        domain.engine.dispose()
    print(f"{queued} action(s) queued for Jira; the running Vigil delivers them.")
    return 0


def _reconcile(_args: argparse.Namespace) -> int:
    settings = load_settings()
    domain = open_domain(settings)
    try:
        sync = build_sync(domain, settings)
        if sync is None:
            raise ConfigError("Jira is not configured: set JIRA_URL, VIGIL_JIRA_PROJECT and credentials.")
        with database_errors(settings.database_url):
            changed = reconcile(domain, sync.tracker)
    except TrackerError as exc:
        raise VigilError(f"Could not read Jira: {exc}") from None
    finally:
        domain.engine.dispose()
    print(f"{changed} action(s) updated from Jira.")
    return 0


def _define_jira(p: argparse.ArgumentParser) -> None:
    steps = p.add_subparsers(dest="jira_command", required=True, metavar="STEP", title="steps")
    again = steps.add_parser("resync", help="retry actions whose Jira sync failed")
    again.add_argument("--local", action="store_true", help="also send actions created before Jira was configured")
    again.set_defaults(handler=_resync)
    steps.add_parser("reconcile", help="pull status, assignee and due date changes from Jira now").set_defaults(
        handler=_reconcile
    )


DEFINITIONS: dict[str, Definition] = {"jira": _define_jira}
