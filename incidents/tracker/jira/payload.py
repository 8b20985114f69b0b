"""Read Jira's issue JSON (REST v2, as in search results and webhook bodies) into the tracker port's terms.

No ``jira`` import: the webhook endpoint uses this too, and it must not need a Jira connection to parse a body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from incidents.enums import ActionStatus
from incidents.tracker.port import TicketState

# Resolutions that close an issue without doing the work; any other resolution in the done category means done.
NOT_DONE_RESOLUTIONS = frozenset({"won't do", "won't fix", "duplicate", "cannot reproduce", "declined", "incomplete"})
CATEGORY_OF = {
    ActionStatus.OPEN: "new",
    ActionStatus.IN_PROGRESS: "indeterminate",
    ActionStatus.DONE: "done",
    ActionStatus.WONT_DO: "done",
}
CATEGORY_RANK = {"new": 0, "indeterminate": 1, "done": 2}
WONT_DO_RESOLUTION = "Won't Do"
FIELDS = ["status", "resolution", "assignee", "duedate", "updated", "labels"]


def status_of(category: str | None, resolution: str | None) -> ActionStatus:
    """Map a status category (names are site-specific, categories are not) and resolution to an action status."""
    if category == "done":
        return ActionStatus.WONT_DO if (resolution or "").lower() in NOT_DONE_RESOLUTIONS else ActionStatus.DONE
    return ActionStatus.IN_PROGRESS if category == "indeterminate" else ActionStatus.OPEN


def user_id(user: Mapping[str, Any] | None) -> str | None:
    """A user's id as Jira takes it back in the assignee field: accountId on Cloud, name on Server/DC."""
    if not user:
        return None
    return user.get("accountId") or user.get("name")


def parse_time(value: str | None) -> datetime | None:
    """Jira's ``2026-11-23T15:10:51.295+0000``."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return datetime.fromisoformat(value)


def base_url_of(issue: Mapping[str, Any]) -> str:
    return str(issue.get("self", "")).split("/rest/api/", 1)[0]


def ticket_state(issue: Mapping[str, Any], base_url: str | None = None) -> TicketState:
    fields: Mapping[str, Any] = issue.get("fields") or {}
    status = fields.get("status") or {}
    resolution = (fields.get("resolution") or {}).get("name")
    assignee = fields.get("assignee")
    due = fields.get("duedate")
    key = str(issue["key"])
    return TicketState(
        key=key,
        url=f"{(base_url or base_url_of(issue)).rstrip('/')}/browse/{key}",
        status=status_of((status.get("statusCategory") or {}).get("key"), resolution),
        resolution=resolution,
        assignee=user_id(assignee),
        assignee_email=(assignee or {}).get("emailAddress"),
        due_date=date.fromisoformat(due) if due else None,
        updated=parse_time(fields.get("updated")),
        labels=tuple(fields.get("labels") or ()),
    )


def webhook_identity(body: Mapping[str, Any], delivery_id: str | None) -> str:
    """A delivery's identity for dedup: the changelog id when there is one (stable across Jira's redeliveries),
    else Jira's delivery identifier header, else event + issue + timestamp."""
    issue_id = (body.get("issue") or {}).get("id", "")
    changelog = (body.get("changelog") or {}).get("id")
    if changelog:
        return f"changelog:{issue_id}:{changelog}"
    if delivery_id:
        return f"delivery:{delivery_id}"
    return f"{body.get('webhookEvent', '')}:{issue_id}:{body.get('timestamp', '')}"
