"""``vigil actions resync`` and ``vigil actions reconcile``: operator levers for the Jira sync."""

from __future__ import annotations

import argparse
from typing import Any

from incidents.context import Domain
from incidents.errors import ConfigError, VigilError
from incidents.settings import load_settings
from incidents.tracker import build_sync, reconcile, resync
from incidents.tracker.port import TrackerError


def _resync(args: argparse.Namespace) -> int:
    domain = Domain.from_settings(load_settings())
    try:
        queued = resync(domain, include_local=args.local)
    finally:
        domain.engine.dispose()
    print(f"{queued} action(s) queued for Jira; the running Vigil delivers them.")
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    settings = load_settings()
    domain = Domain.from_settings(settings)
    try:
        sync = build_sync(domain, settings)
        if sync is None:
            raise ConfigError("Jira is not configured: set JIRA_URL, VIGIL_JIRA_PROJECT and credentials.")
        try:
            changed = reconcile(domain, sync.tracker)
        except TrackerError as exc:
            raise VigilError(f"Could not read Jira: {exc}") from None
    finally:
        domain.engine.dispose()
    print(f"{changed} action(s) updated from Jira.")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("actions", help="Jira sync of corrective actions")
    actions_sub = p.add_subparsers(dest="actions_command", required=True)
    again = actions_sub.add_parser("resync", help="retry actions whose Jira sync failed")
    again.add_argument("--local", action="store_true", help="also send actions created before Jira was configured")
    again.set_defaults(handler=_resync)
    actions_sub.add_parser("reconcile", help="pull status/assignee/due date changes from Jira now").set_defaults(
        handler=_reconcile
    )
