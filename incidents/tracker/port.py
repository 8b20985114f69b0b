"""The tracker port: what the sync service needs from an issue tracker, in Vigil's vocabulary.

Adapters (``incidents.tracker.jira``) translate to a tracker's API. Nothing here knows Jira's types, so the sync
service and its tests of merge rules stay independent of any client library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypedDict

from incidents.enums import ActionStatus


class TrackerError(Exception):
    """Base of the errors an adapter raises; ``str()`` is a sentence fit for an operator."""


class TrackerUnavailable(TrackerError):
    """The tracker could not answer now (outage, timeout, 5xx, 429): the caller retries later.

    ``retry_after`` is the tracker's own hint in seconds (``Retry-After``), when it gave one.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class TrackerRejected(TrackerError):
    """The tracker refused the request as invalid (unknown project, bad field...): retrying will not help."""


@dataclass(frozen=True)
class Link:
    """A link on the ticket back to the incident; ``global_id`` makes re-adding it an update."""

    global_id: str
    url: str
    title: str


class TicketFields(TypedDict, total=False):
    """Fields Vigil sets on a ticket (an action's or a referral's). ``assignee`` is the tracker's user id (None
    unassigns); ``status`` is where the ticket stands in the workflow, in action terms (a referral maps its own
    statuses to them: :data:`incidents.tracker.content.WORKFLOW_OF_REFERRAL`)."""

    summary: str
    description: str
    labels: list[str]
    priority: str
    duedate: str | None
    assignee: str | None
    status: ActionStatus
    link: Link
    properties: dict[str, Any]


@dataclass(frozen=True)
class TicketState:
    """A ticket as the tracker holds it: the parts Vigil reads back (status, assignee, due date, resolution)."""

    key: str
    url: str
    status: ActionStatus
    resolution: str | None = None
    assignee: str | None = None
    assignee_email: str | None = None
    due_date: date | None = None
    updated: datetime | None = None
    labels: tuple[str, ...] = ()


class Tracker(Protocol):
    """An issue tracker. Every method may raise :class:`TrackerUnavailable` or :class:`TrackerRejected`."""

    def find(self, label: str) -> TicketState | None:
        """The ticket carrying the identifying ``label``, if one exists (the idempotent-create check)."""
        ...

    def create(self, project: str, issue_type: str, fields: TicketFields) -> TicketState:
        """Create a ticket. ``status``, ``link`` and ``properties`` are ignored here (see :meth:`update`)."""
        ...

    def update(self, key: str, fields: TicketFields) -> ActionStatus | None:
        """Set the given fields; with ``status``, walk the workflow there and return the status reached."""
        ...

    def find_user(self, email: str) -> str | None:
        """The tracker's user id for an e-mail address, or None when nobody (or several people) match."""
        ...

    def changed_since(self, since: datetime | None) -> Iterable[TicketState]:
        """Vigil's tickets updated at or after ``since`` (all of them when None), for the reconcile job."""
        ...
