"""Apply one Jira webhook delivery to Vigil, at most once. Authentication is the HTTP layer's job
(``web/jira_webhook.py``); this only sees bodies that passed it, and still checks their shape: a signed body with
a field of the wrong type or a date that is not one is refused with :class:`MalformedDelivery` before anything
is read from or written to the database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from incidents.context import Ctx, Domain
from incidents.inbound import first_time
from incidents.people import person_by_email
from incidents.tracker.inbound import TRACKER_ACTOR, apply_remote
from incidents.tracker.jira.payload import ticket_state, webhook_identity
from incidents.tracker.port import TicketState

ISSUE_EVENTS = frozenset({"jira:issue_updated", "jira:issue_created"})
SOURCE = "jira"


class MalformedDelivery(ValueError):
    """A delivery whose issue is not shaped like Jira's; the message names the field, never its value."""


class _User(BaseModel):
    accountId: str | None = None
    name: str | None = None
    emailAddress: str | None = None


class _Resolution(BaseModel):
    name: str | None = None


class _Category(BaseModel):
    key: str | None = None


class _Status(BaseModel):
    statusCategory: _Category | None = None


class _Fields(BaseModel):
    status: _Status | None = None
    resolution: _Resolution | None = None
    assignee: _User | None = None
    duedate: str | None = None
    updated: str | None = None
    labels: list[str] | None = None


class _Issue(BaseModel):
    key: str
    fields: _Fields | None = None


class _Delivery(BaseModel):
    """The parts of an issue event Vigil reads (see ``payload.ticket_state`` and ``webhook_identity``)."""

    issue: _Issue
    user: _User | None = None
    changelog: dict[str, Any] | None = None


def _state_of(body: Mapping[str, Any]) -> TicketState:
    try:
        _Delivery.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise MalformedDelivery(f"{where}: {error['msg']}") from None
    try:
        state = ticket_state(body["issue"])
    except ValueError:
        raise MalformedDelivery("issue.fields: duedate or updated is not an ISO date") from None
    if state.updated is not None and state.updated.tzinfo is None:
        raise MalformedDelivery("issue.fields.updated: has no time zone")
    return state


def receive_webhook(
    domain: Domain, body: Mapping[str, Any], delivery_id: str | None = None, *, received: datetime | None = None
) -> bool:
    """True when the delivery changed an action. Deliveries about other events, unknown issues or seen before
    (Jira redelivers) change nothing. The actor is the Vigil person with the Jira user's e-mail, else "jira".
    What it records is as of ``received`` (when the delivery arrived), in the domain's unit of work (retried on
    a conflict with another writer).
    Raises :class:`MalformedDelivery` for an issue event whose fields have the wrong types or bad dates."""
    event, issue = body.get("webhookEvent"), body.get("issue")
    if not isinstance(event, str) or event not in ISSUE_EVENTS or not isinstance(issue, dict) or "key" not in issue:
        return False
    state = _state_of(body)

    def apply(ctx: Ctx) -> bool:
        if not first_time(ctx, SOURCE, webhook_identity(body, delivery_id)):
            return False
        actor = person_by_email(ctx, (body.get("user") or {}).get("emailAddress")) or TRACKER_ACTOR
        return apply_remote(ctx, state, actor=actor)

    return domain.run(apply, received=received)
