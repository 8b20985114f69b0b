"""What Vigil wants a tracker ticket to say about an action, and what it may say for restricted incidents.

Pure functions of the action, its incident and :class:`SyncConfig`: the sync service diffs their output against
what was last pushed, so everything here must be deterministic (no clocks, no ids that change per call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from incidents.enums import ActionPriority
from incidents.links import DEFAULT_WEB_PATH_PREFIX, incident_page
from incidents.models import Action, Incident
from incidents.policy import Policy
from incidents.settings import Settings

PRIORITIES: dict[ActionPriority, str] = {
    ActionPriority.HIGHEST: "Highest",
    ActionPriority.HIGH: "High",
    ActionPriority.MEDIUM: "Medium",
    ActionPriority.LOW: "Low",
}
PROPERTY_KEY = "vigil"
SLACK_CHANNEL_LINK = "https://slack.com/app_redirect?channel={channel}"


@dataclass(frozen=True)
class SyncConfig:
    """Where tickets go and what they may carry. ``label_prefix`` must be unique per Vigil install that shares
    a Jira site, since the identifying label is what makes creation idempotent."""

    project: str
    issue_type: str = "Task"
    label_prefix: str = "vigil"
    restricted_content: str = "minimal"
    web_base_url: str | None = None
    web_path_prefix: str = DEFAULT_WEB_PATH_PREFIX

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncConfig:
        return cls(
            project=settings.jira_project or "",
            issue_type=settings.jira_issue_type,
            label_prefix=settings.jira_label_prefix,
            restricted_content=settings.jira_restricted_content,
            web_base_url=settings.web_base_url,
            web_path_prefix=settings.web_path_prefix,
        )


def identity_label(config: SyncConfig, ref: str, action_id: int) -> str:
    """The label that identifies an action's ticket; searchable by JQL on any Jira without an app."""
    return f"{config.label_prefix}-action-{ref.lower()}-{action_id}"


def target(config: SyncConfig, policy: Policy, incident: Incident) -> tuple[str, str]:
    """Project and issue type: the policy's ``jira:`` entry for the first incident type that has one, else
    the settings."""
    for type_name in incident.type_names:
        chosen = policy.jira.get(type_name)
        if chosen is not None:
            return chosen.project or config.project, chosen.issue_type or config.issue_type
    return config.project, config.issue_type


def _discreet(config: SyncConfig, incident: Incident) -> bool:
    """Tickets of restricted incidents carry structured facts only, unless the operator chose ``full``."""
    return incident.tier.is_restricted and config.restricted_content != "full"


def _discreet_title(action: Action) -> str:
    return f"Corrective action {action.id} ({action.category.value.replace('_', ' ')}, {action.priority.value})"


def desired(config: SyncConfig, incident: Incident, action: Action) -> dict[str, Any]:
    """The ticket as Vigil wants it, as JSON-able values keyed like :class:`~incidents.tracker.port.TicketFields`
    (``owner`` is Vigil's person key; the sync turns it into the tracker's assignee)."""
    discreet = _discreet(config, incident)
    channel = SLACK_CHANNEL_LINK.format(channel=incident.slack_channel_id) if incident.slack_channel_id else None
    # The incident's page, not its review: a ticket is filed long before a review exists, and the page leads to it.
    page = incident_page(config, incident.ref)
    about = incident.ref if discreet else f"{incident.ref} ({incident.severity.value}): {incident.title}"
    lines = [f"Corrective action from incident {about}.", ""]
    if discreet:
        lines += ["The incident is restricted: what to do is written in the incident, for its members.", ""]
    elif action.description:
        lines += [action.description, ""]
    lines.append(f"Category: {action.category.value.replace('_', ' ')}")
    if channel:
        lines.append(f"Incident channel: {channel}")
    if page:
        lines.append(f"Incident and its review: {page}")
    lines += ["", "Kept in sync by Vigil: status, assignee and due date changes here flow back to the incident."]
    out: dict[str, Any] = {
        "summary": f"[{incident.ref}] {_discreet_title(action) if discreet else action.title}"[:255],
        "description": "\n".join(lines),
        "labels": sorted(
            {
                "incident",
                incident.ref.lower(),
                incident.severity.value.lower(),
                identity_label(config, incident.ref, action.id),
            }
        ),
        "priority": PRIORITIES[action.priority],
        "duedate": action.due_date.isoformat() if action.due_date else None,
        "status": action.status.value,
        "owner": action.owner,
        "properties": {"actionId": str(action.id), "incident": incident.ref, "install": config.label_prefix},
    }
    if page or channel:
        title = f"{incident.ref} in Vigil" if discreet else f"{incident.ref}: {incident.title}"
        out["link"] = {
            "global_id": f"{config.label_prefix}:action:{action.id}",
            "url": page or channel,
            "title": title,
        }
    return out
