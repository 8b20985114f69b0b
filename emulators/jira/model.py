"""Plain data held by the Jira emulator.

The records mirror what Jira stores rather than what it renders, so that the REST layer (v2 strings, v3 ADF)
and the webhook layer can each derive their own JSON from one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Deployment = Literal["Cloud", "Server"]


@dataclass(frozen=True)
class Status:
    """A workflow status; ``category`` is Jira's statusCategory key (new, indeterminate, done)."""

    id: str
    name: str
    category: str


@dataclass(frozen=True)
class Transition:
    """A workflow transition: Jira transitions are per source status and carry their own id."""

    id: str
    name: str
    source: str
    target: str


TODO = Status("10000", "To Do", "new")
IN_PROGRESS = Status("3", "In Progress", "indeterminate")
DONE = Status("10001", "Done", "done")
STATUSES: dict[str, Status] = {s.name: s for s in (TODO, IN_PROGRESS, DONE)}
# Category ids and names as Jira reports them (statusCategory is searchable by key, name or id).
CATEGORIES: dict[str, tuple[str, str]] = {
    "new": ("2", "To Do"),
    "indeterminate": ("4", "In Progress"),
    "done": ("3", "Done"),
}
# Ids follow Jira's simplified workflow (11/21/31); the graph is the linear one Vigil must cope with.
TRANSITIONS: tuple[Transition, ...] = (
    Transition("21", "In Progress", TODO.name, IN_PROGRESS.name),
    Transition("31", "Done", IN_PROGRESS.name, DONE.name),
    Transition("11", "To Do", IN_PROGRESS.name, TODO.name),
    Transition("11", "To Do", DONE.name, TODO.name),
)
PRIORITIES: dict[str, str] = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
DEFAULT_PRIORITY = "Medium"
RESOLUTIONS: dict[str, str] = {"Done": "10000", "Won't Do": "10001", "Duplicate": "10002"}


def now() -> datetime:
    """Current UTC time; one helper so every timestamp shares a timezone."""
    return datetime.now(UTC)


def jira_time(moment: datetime | None) -> str | None:
    """Render a timestamp the way Jira does: ``2026-01-01T10:00:00.000+0000``."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass
class User:
    """A Jira user; Cloud identifies users by ``account_id``, Server/DC by ``name`` (and ``key``)."""

    email: str
    display_name: str
    account_id: str
    name: str
    key: str
    email_visible: bool = True


@dataclass
class Project:
    """A project with the issue types its scheme allows."""

    id: str
    key: str
    name: str
    issue_types: list[str]


@dataclass
class Comment:
    """An issue comment; ``body`` keeps what the client sent (str for v2, an ADF dict for v3)."""

    id: str
    author: str
    body: Any
    created: datetime


@dataclass
class RemoteLink:
    """A remote issue link; ``global_id`` is the upsert key Jira uses."""

    id: int
    global_id: str | None
    object: dict[str, Any]
    application: dict[str, Any] | None = None
    relationship: str | None = None


@dataclass
class ChangeItem:
    """One field change inside a changelog history, in Jira's webhook/changelog vocabulary."""

    field: str
    from_id: str | None
    from_string: str | None
    to_id: str | None
    to_string: str | None

    def as_json(self) -> dict[str, Any]:
        """Changelog item JSON as found in both ``expand=changelog`` and webhook bodies."""
        return {
            "field": self.field,
            "fieldtype": "jira",
            "fieldId": self.field,
            "from": self.from_id,
            "fromString": self.from_string,
            "to": self.to_id,
            "toString": self.to_string,
        }


@dataclass
class History:
    """A changelog entry: who changed what, when."""

    id: str
    author: str
    created: datetime
    items: list[ChangeItem]


@dataclass
class Issue:
    """A stored issue; ``assignee`` is the internal user key (see :class:`User`)."""

    id: str
    key: str
    project: str
    issue_type: str
    summary: str
    reporter: str
    created: datetime
    updated: datetime
    description: Any = None
    status: str = TODO.name
    resolution: str | None = None
    resolution_date: datetime | None = None
    labels: list[str] = field(default_factory=list)
    priority: str = DEFAULT_PRIORITY
    assignee: str | None = None
    duedate: str | None = None
    comments: list[Comment] = field(default_factory=list)
    remote_links: list[RemoteLink] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    changelog: list[History] = field(default_factory=list)
