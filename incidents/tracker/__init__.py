"""Corrective actions mirrored to an issue tracker (Jira), both ways, and referrals filed in their kind's project,
through the outbox.

Wiring for the process that runs the dispatcher::

    sync = build_sync(domain, settings)          # None without Jira: actions stay in Vigil (tracked=False)
    handlers |= tracker_handlers(sync)           # action.changed / referral.changed -> create or update the issue
    Dispatcher(..., on_give_up=sync.on_give_up)  # retry budget spent -> sync_failed + action.sync_failed
    reconcile(domain, sync.tracker)              # periodically, for sites that cannot send webhooks

Services that add or edit actions pass ``tracked=tracker_configured(settings)``. Referrals need no flag: their
kind's ``jira_project`` in the policy pack decides, and without Jira :func:`tracker_handlers` lets their requests go.
"""

from __future__ import annotations

import logging

from incidents.context import Domain
from incidents.dispatcher import Handler
from incidents.outbox import OutboxMessage, Topic
from incidents.settings import Settings
from incidents.tracker.content import SyncConfig
from incidents.tracker.inbound import apply_remote, reconcile
from incidents.tracker.port import TicketFields, TicketState, Tracker, TrackerError, TrackerRejected, TrackerUnavailable
from incidents.tracker.sync import TrackerSync, resync

log = logging.getLogger(__name__)


def tracker_configured(settings: Settings) -> bool:
    """Jira URL, credentials (e-mail + API token, or a personal access token) and a default project."""
    has_credentials = bool((settings.jira_email and settings.jira_api_token) or settings.jira_token)
    return bool(settings.jira_url and settings.jira_project and has_credentials)


def build_sync(domain: Domain, settings: Settings) -> TrackerSync | None:
    if not tracker_configured(settings):
        return None
    from incidents.tracker.jira.client import JiraTracker

    tracker = JiraTracker.from_settings(settings)
    return TrackerSync(domain, tracker, SyncConfig.from_settings(settings)) if tracker is not None else None


def tracker_handlers(sync: TrackerSync | None) -> dict[Topic, Handler]:
    """The outbox handlers of the tracker. Without one, a referral whose kind names a Jira project is simply not
    filed: its request is let go (the policy pack may name projects that only a site with Jira uses)."""
    if sync is not None:
        return sync.handlers()
    return {Topic.REFERRAL_CHANGED: _not_filed}


def _not_filed(message: OutboxMessage) -> None:
    log.debug("Jira is not configured: referral #%s is not filed", message.payload.get("referral_id"))


def reconcile_configured(domain: Domain, settings: Settings) -> int:
    """The scheduler's periodic reconcile: a no-op without Jira; Jira being unreachable is logged, not raised,
    so the next run simply tries again from the same high-water mark."""
    sync = build_sync(domain, settings)
    if sync is None:
        return 0
    try:
        return reconcile(domain, sync.tracker)
    except TrackerError as exc:
        log.warning("Jira reconcile failed; will retry at the next run: %s", exc)
        return 0


__all__ = [
    "SyncConfig",
    "TicketFields",
    "TicketState",
    "Tracker",
    "TrackerError",
    "TrackerRejected",
    "TrackerSync",
    "TrackerUnavailable",
    "apply_remote",
    "build_sync",
    "reconcile",
    "resync",
    "tracker_configured",
    "tracker_handlers",
]
