"""What Vigil wants a tracker ticket to say about an action or a referral, and what it may say for restricted
incidents.

Pure functions of the subject, its incident and :class:`SyncConfig`: the sync service diffs their output against
what was last pushed, so everything here must be deterministic (no clocks, no ids that change per call). Text
written by people goes into descriptions through :func:`wiki_text`, since Jira renders them as wiki markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from incidents.enums import ActionPriority, ActionStatus
from incidents.links import DEFAULT_WEB_PATH_PREFIX, incident_page
from incidents.models import Action, Incident
from incidents.policy import Policy
from incidents.referrals.models import Referral, ReferralStatus
from incidents.settings import Settings

PRIORITIES: dict[ActionPriority, str] = {
    ActionPriority.HIGHEST: "Highest",
    ActionPriority.HIGH: "High",
    ActionPriority.MEDIUM: "Medium",
    ActionPriority.LOW: "Low",
}
WORKFLOW_OF_REFERRAL: dict[ReferralStatus, ActionStatus] = {
    ReferralStatus.REQUESTED: ActionStatus.OPEN,
    ReferralStatus.ACCEPTED: ActionStatus.IN_PROGRESS,
    ReferralStatus.IN_PROGRESS: ActionStatus.IN_PROGRESS,
    ReferralStatus.DECIDED: ActionStatus.DONE,
    ReferralStatus.CLOSED: ActionStatus.DONE,
    ReferralStatus.DECLINED: ActionStatus.WONT_DO,
}
"""Where a referral's issue stands in Jira's workflow, in the port's terms: decided and closed are done, declined
is resolved as won't do."""
PROPERTY_KEY = "vigil"
SLACK_CHANNEL_LINK = "https://slack.com/app_redirect?channel={channel}"
_WIKI_MARKUP = re.compile(r"[-#*_+?^~|%{}\[\]()!@\\]")
"""What Jira's renderer reads as markup inside a line (the characters its backslash escape accepts) and the
backslash itself."""
_WIKI_BLOCK = re.compile(r"(\s*(?:h[1-6]|bq))\.")
"""A line opening a heading or a quote."""


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


def identity_label(config: SyncConfig, ref: str, number: int, *, of: str = "action") -> str:
    """The label that identifies a ticket (``of`` an action or a referral); searchable by JQL on any Jira without an
    app, so a create whose answer was lost is found rather than repeated."""
    return f"{config.label_prefix}-{of}-{ref.lower()}-{number}"


def wiki_text(text: str) -> str:
    """``text`` as Jira's wiki renderer shows it literally: markup characters escaped with a backslash, a backslash
    written as its character entity (two in a row would be a line break) and so is the dot of a line opening like
    a heading or quote (``h1.``, ``bq.``)."""

    def line(value: str) -> str:
        opening = _WIKI_BLOCK.match(value)
        head, rest = (opening.group(1) + "&#46;", value[opening.end() :]) if opening else ("", value)
        return head + _WIKI_MARKUP.sub(lambda m: "&#92;" if m.group() == "\\" else "\\" + m.group(), rest)

    return "\n".join(line(value) for value in text.split("\n"))


def target(config: SyncConfig, policy: Policy, incident: Incident) -> tuple[str, str]:
    """Project and issue type: the policy's ``jira:`` entry for the first incident type that has one, else
    the settings."""
    for type_name in incident.type_names:
        chosen = policy.jira.get(type_name)
        if chosen is not None:
            return chosen.project or config.project, chosen.issue_type or config.issue_type
    return config.project, config.issue_type


def referral_target(config: SyncConfig, policy: Policy, referral: Referral) -> tuple[str, str] | None:
    """The referral kind's Jira project and issue type (else the settings' type); None when the kind names no
    project (or has left the pack): such referrals are not filed."""
    kind = policy.referral_kinds.get(referral.kind)
    if kind is None or kind.jira_project is None:
        return None
    return kind.jira_project, kind.jira_issue_type or config.issue_type


def _discreet(config: SyncConfig, incident: Incident) -> bool:
    """Tickets of restricted incidents carry structured facts only, unless the operator chose ``full``."""
    return incident.tier.is_restricted and config.restricted_content != "full"


def _about(incident: Incident, discreet: bool) -> str:
    return incident.ref if discreet else f"{incident.ref} ({incident.severity.value}): {wiki_text(incident.title)}"


@dataclass(frozen=True)
class _WayBack:
    """Where a person in Jira finds the incident: its channel and its page (which leads to the review; a ticket is
    filed long before a review exists)."""

    channel: str | None
    page: str | None

    @classmethod
    def of(cls, config: SyncConfig, incident: Incident) -> _WayBack:
        channel = SLACK_CHANNEL_LINK.format(channel=incident.slack_channel_id) if incident.slack_channel_id else None
        return cls(channel, incident_page(config, incident.ref))

    def lines(self) -> list[str]:
        return [
            *([f"Incident channel: {self.channel}"] if self.channel else []),
            *([f"Incident and its review: {self.page}"] if self.page else []),
        ]

    def add_link(self, out: dict[str, Any], global_id: str, incident: Incident, discreet: bool) -> None:
        if self.page or self.channel:
            title = f"{incident.ref} in Vigil" if discreet else f"{incident.ref}: {incident.title}"
            out["link"] = {"global_id": global_id, "url": self.page or self.channel, "title": title}


def _discreet_title(action: Action) -> str:
    return f"Corrective action {action.id} ({action.category.value.replace('_', ' ')}, {action.priority.value})"


def desired(config: SyncConfig, incident: Incident, action: Action) -> dict[str, Any]:
    """The ticket as Vigil wants it, as JSON-able values keyed like :class:`~incidents.tracker.port.TicketFields`
    (``owner`` is Vigil's person key; the sync turns it into the tracker's assignee)."""
    discreet = _discreet(config, incident)
    back = _WayBack.of(config, incident)
    lines = [f"Corrective action from incident {_about(incident, discreet)}.", ""]
    if discreet:
        lines += ["The incident is restricted: what to do is written in the incident, for its members.", ""]
    elif action.description:
        lines += [wiki_text(action.description), ""]
    lines.append(f"Category: {action.category.value.replace('_', ' ')}")
    lines += back.lines()
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
    back.add_link(out, f"{config.label_prefix}:action:{action.id}", incident, discreet)
    return out


def desired_referral(config: SyncConfig, incident: Incident, referral: Referral, kind: str) -> dict[str, Any]:
    """A referral's issue as Vigil wants it (``kind`` is the kind's label), keyed like :func:`desired`'s. For a
    restricted incident only structured facts: number, kind, status, due date; never the title, the note, the
    external reference, the outcome or the reason. The issue follows the referral; nothing done in Jira flows
    back (the other process reports to Vigil)."""
    discreet = _discreet(config, incident)
    back = _WayBack.of(config, incident)
    lines = [f"{wiki_text(kind)} referral #{referral.id} from incident {_about(incident, discreet)}.", ""]
    lines.append(f"Status: {referral.status.label}")
    if discreet:
        lines += ["", "The incident is restricted: what the referral is about is in the incident, for its members."]
    else:
        said = referral.reason if referral.status is ReferralStatus.DECLINED else referral.outcome
        facts = [
            ("Their reference", referral.external_ref),
            ("Declined because" if referral.status is ReferralStatus.DECLINED else "Outcome", said),
            ("Note", referral.note),
        ]
        lines += [f"{name}: {wiki_text(value)}" for name, value in facts if value]
    lines += ["", *back.lines()]
    lines += ["", "Kept up to date by Vigil as the referral moves there; changes made here do not flow back."]
    summary = f"Referral {referral.id} ({kind})" if discreet else f"{kind}: {incident.title}"
    out: dict[str, Any] = {
        "summary": f"[{incident.ref}] {summary}"[:255],
        "description": "\n".join(lines),
        "labels": sorted(
            {
                "referral",
                referral.kind,
                incident.ref.lower(),
                incident.severity.value.lower(),
                identity_label(config, incident.ref, referral.id, of="referral"),
            }
        ),
        "duedate": referral.due_date.isoformat() if referral.due_date else None,
        "status": WORKFLOW_OF_REFERRAL[referral.status].value,
        "owner": referral.owner,
        "properties": {
            "referralId": str(referral.id),
            "kind": referral.kind,
            "incident": incident.ref,
            "install": config.label_prefix,
        },
    }
    back.add_link(out, f"{config.label_prefix}:referral:{referral.id}", incident, discreet)
    return out
