"""What a page carries: the words that light up a responder's lock screen, a paging service's incident list and
its e-mail and SMS notifications, all of which sit beyond the incident's members.

So a page is a leadership surface. A restricted or highly restricted incident is named only as its neutral name
("Child safety · SEV1 · EMEA") with its reference; a standard one by its title as leadership sees it (personal data
the detector found and its parties' identifiers masked). The details are structured facts only (reference,
severity, tier, status) and the link to Vigil, where whoever opens it is checked. Never the summary, notes,
parties, reporters or subjects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incidents.enums import Severity
from incidents.leadership_title import leadership_title
from incidents.links import WebAddress, incident_page
from incidents.models import Incident
from incidents.policy import Policy
from incidents.reviews.document import neutral_title

SUMMARY_LIMIT = 1024
"""PagerDuty's limit for ``payload.summary``."""
SOURCE = "Vigil"
SEVERITIES: dict[Severity, str] = {
    Severity.SEV0: "critical",
    Severity.SEV1: "critical",
    Severity.SEV2: "error",
    Severity.SEV3: "warning",
    Severity.SEV4: "info",
}
"""The Events API's ``payload.severity`` for each of Vigil's severities."""
MESSAGE_LIMIT = 130
"""Jira Service Management's limit for an alert's ``message`` (longer is refused with a 422, not truncated)."""
PRIORITIES: dict[Severity, str] = {
    Severity.SEV0: "P1",
    Severity.SEV1: "P1",
    Severity.SEV2: "P2",
    Severity.SEV3: "P3",
    Severity.SEV4: "P4",
}
"""A JSM alert's ``priority`` for each of Vigil's severities (JSM has no level above P1 for SEV0)."""


@dataclass(frozen=True)
class PageContent:
    """A trigger's words, in the Events API's terms (``payload.summary``, ``payload.custom_details``, ``links``);
    :meth:`as_alert` says the same in JSM's."""

    summary: str
    severity: str
    custom_details: dict[str, str]
    links: list[dict[str, str]] = field(default_factory=list)
    source: str = SOURCE
    priority: str = "P3"

    def as_event(self) -> dict[str, Any]:
        """The event body minus the routing key, action and de-duplication key (what a reader of it would see)."""
        payload = {
            "summary": self.summary,
            "source": self.source,
            "severity": self.severity,
            "custom_details": self.custom_details,
        }
        return {"payload": payload, "links": self.links}

    def as_alert(self, alias: str) -> dict[str, Any]:
        """A JSM create-alert body with the same words: the summary (clipped to JSM's limit) as ``message``, the
        structured facts (the link among them) as ``details``. Nothing else: no description, note or tags, which
        JSM's notifications would carry to the same lock screens."""
        return {
            "message": _clip(self.summary, MESSAGE_LIMIT),
            "alias": alias,
            "priority": self.priority,
            "details": self.custom_details,
            "source": self.source,
        }

    def as_incident(self, incident_key: str, service_id: str, user_id: str) -> dict[str, Any]:
        """A PagerDuty REST ``POST /incidents`` body with the same words, assigned to one user (how a person is
        paged): the summary as ``title``, the structured facts (the link among them) as the body's ``details``.
        Always high urgency: someone chose to wake this person."""
        return {
            "type": "incident",
            "title": self.summary,
            "service": {"id": service_id, "type": "service_reference"},
            "urgency": "high",
            "incident_key": incident_key,
            "body": {
                "type": "incident_body",
                "details": "\n".join(f"{k}: {v}" for k, v in self.custom_details.items()),
            },
            "assignments": [{"assignee": {"id": user_id, "type": "user_reference"}}],
        }


def page_title(incident: Incident, policy: Policy) -> str:
    """How a page names the incident: the neutral name of a restricted one, the leadership title of another."""
    if incident.tier.is_restricted:
        return neutral_title(incident, policy)
    return f"{leadership_title(incident)} · {incident.severity.value}"


def page_content(incident: Incident, policy: Policy, web: WebAddress | None) -> PageContent:
    """The trigger for ``incident`` (loaded in a session: masking a standard title reads its parties)."""
    link = incident_page(web, incident.ref)
    details = {
        "incident": incident.ref,
        "severity": incident.severity.value,
        "tier": incident.tier.value,
        "status": incident.status.value,
    }
    if link is not None:
        details["link"] = link
    summary = f"{incident.ref} · {page_title(incident, policy)}"
    return PageContent(
        summary=_clip(summary, SUMMARY_LIMIT),
        severity=SEVERITIES[incident.severity],
        custom_details=details,
        links=[{"href": link, "text": f"{incident.ref} in Vigil"}] if link else [],
        priority=PRIORITIES[incident.severity],
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
