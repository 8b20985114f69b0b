"""Apply one Jira webhook delivery to Vigil, at most once. Authentication is the HTTP layer's job
(``web/jira_webhook.py``); this only sees bodies that passed it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incidents.context import Domain
from incidents.inbound import first_time
from incidents.tracker.inbound import TRACKER_ACTOR, apply_remote, person_by_email
from incidents.tracker.jira.payload import ticket_state, webhook_identity

ISSUE_EVENTS = frozenset({"jira:issue_updated", "jira:issue_created"})
SOURCE = "jira"


def receive_webhook(domain: Domain, body: Mapping[str, Any], delivery_id: str | None = None) -> bool:
    """True when the delivery changed an action. Deliveries about other events, unknown issues or seen before
    (Jira redelivers) change nothing. The actor is the Vigil person with the Jira user's e-mail, else "jira"."""
    issue = body.get("issue")
    if body.get("webhookEvent") not in ISSUE_EVENTS or not isinstance(issue, dict) or "key" not in issue:
        return False
    state = ticket_state(issue)
    with domain.unit() as ctx:
        if not first_time(ctx, SOURCE, webhook_identity(body, delivery_id)):
            return False
        actor = person_by_email(ctx, (body.get("user") or {}).get("emailAddress")) or TRACKER_ACTOR
        return apply_remote(ctx, state, actor=actor)
