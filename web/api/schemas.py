"""The intake API's request and response bodies. FastAPI validates requests and writes the OpenAPI document from
these same models, so the document cannot drift from what the server accepts.

Free text may not contain NUL (PostgreSQL cannot store it); required text must contain a non-space character.
What the schema cannot say (known incident types, no phone number in a title...) the domain checks, answering
422 with the field named.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from incidents.clocks.standing import ClockState
from incidents.enums import ActionPriority, ActionStatus, Severity, Status, Tier
from incidents.guards import TITLE_MAX
from incidents.parties.models import PartyRole
from incidents.referrals.models import ReferralStatus
from incidents.tasks.models import TaskStatus

_ANY_TEXT = r"^[^\x00]*$"
_SOME_TEXT = r"^[^\x00]*[^\x00\s][^\x00]*$"
_EMAIL = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
PATTERN_MESSAGES = {
    _ANY_TEXT: "NUL characters are not allowed.",
    _SOME_TEXT: "Enter some text (NUL characters are not allowed).",
    _EMAIL: "Give an e-mail address such as name@example.org.",
}
Email = Annotated[str, Field(max_length=254, pattern=_EMAIL)]
Label = Annotated[str, Field(max_length=200, pattern=_ANY_TEXT)]


def _iso_only(value: object) -> object:
    """Pydantic would read numbers as Unix timestamps; the document promises ISO 8601 strings only."""
    if not isinstance(value, str) or not re.match(r"\d{4}-\d\d-\d\d[Tt ]", value):
        raise ValueError("Give an ISO 8601 time with a zone, e.g. 2026-11-23T12:00:00Z")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_only)]


def text(limit: int, *, required: bool = False, description: str | None = None) -> object:
    return Field(max_length=limit, pattern=_SOME_TEXT if required else _ANY_TEXT, description=description)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeclareRequest(_Request):
    title: Annotated[str, text(TITLE_MAX, required=True, description="Describes the harm, never the person.")]
    summary: Annotated[str, text(4000)] = ""
    types: Annotated[list[Annotated[str, Field(max_length=64)]], Field(min_length=1, max_length=10)] = Field(
        description="Incident types from the policy pack, e.g. threat_violence."
    )
    severity: Severity
    tier: Tier = Field(Tier.STANDARD, description="Raised to the floor the types demand (child safety: highest).")
    region: Annotated[str | None, Field(max_length=64, pattern=_ANY_TEXT)] = None
    jurisdictions: Annotated[list[Annotated[str, Field(max_length=16, pattern=_ANY_TEXT)]], Field(max_length=20)] = []
    detection_source: Label | None = Field(None, description="e.g. hotline, case tool, classifier.")
    occurred_at: Moment | None = None
    detected_at: Moment | None = Field(None, description="When the organisation became aware; clocks start here.")
    external_ref: Label | None = Field(None, description="The case id or hotline call id in the calling system.")
    commander_email: Email | None = Field(
        None, description="A Vigil user to command the incident; by default the API key holds command until handed off."
    )
    responders: Annotated[list[Email], Field(max_length=50)] = Field(
        [], description="E-mail addresses of people to invite to the incident channel."
    )


class Responder(BaseModel):
    email: str
    person: str = Field(description="Vigil's key for the person, or email:<address> until the bot resolves it.")


class DeclaredIncident(BaseModel):
    ref: str = Field(examples=["INC-2026-0042"])
    url: str | None = Field(description="The incident's page in Vigil's web view, when one is configured.")
    href: str = Field(description="This incident in the API.")
    status: Status
    severity: Severity
    tier: Tier
    responders: list[Responder]


class TimelineRequest(_Request):
    text: Annotated[str, text(4000, required=True)]
    at: Moment | None = Field(None, description="When it happened (default: now); never in the future.")
    reported_by: Label | None = Field(
        None,
        description="Who reported it in the calling system. The entry is always the API key's own; this is kept "
        'beside its text, read as "Reported by <reported_by>: <text>" by the incident\'s members and as '
        '"Reported by the reporter: <text>" by everyone else (leadership included).',
    )
    author: Label | None = Field(
        None, deprecated=True, description="Removed: a request that sends it is refused; send reported_by instead."
    )
    sensitive: bool = Field(False, description="Shown behind a content warning; left out of leadership reviews.")
    source_url: Annotated[str | None, Field(max_length=1000, pattern=r"^https?://[^\s\x00]+$")] = None

    @field_validator("author", mode="before")
    @classmethod
    def _author_removed(cls, _value: object) -> None:
        """``author`` once let a key write as any user; refused (not ignored) so callers notice."""
        raise PydanticCustomError("author_removed", "author is no longer accepted: send reported_by instead.")


class TimelineEntryView(BaseModel):
    id: int
    at: datetime
    author: str
    text: str
    sensitive: bool
    source_url: str | None


class UpdateRequest(_Request):
    summary: Annotated[str, text(4000, required=True)]
    status: Status | None = Field(None, description="Moves the incident along its state machine.")
    impact: Annotated[str, text(4000)] = ""
    next_steps: Annotated[str, text(4000)] = ""
    next_update_in_minutes: Annotated[int | None, Field(ge=1, le=10080)] = None
    confirm_open_work: bool = Field(
        False,
        description="Resolve even though playbook steps, referrals or regulatory clocks are still open. Without it, "
        "such a resolve is refused (422 naming this field, its message listing what is open) and nothing changes.",
    )


class UpdateView(BaseModel):
    id: int
    at: datetime
    status: Status
    summary: str
    impact: str
    next_steps: str
    next_update_due: datetime | None


class RoleView(BaseModel):
    role: str
    person: str
    assigned_at: datetime


class ClockView(BaseModel):
    id: int
    regime: str
    name: str
    jurisdiction: str | None
    due_at: datetime
    satisfied_at: datetime | None
    state: ClockState


class ActionView(BaseModel):
    id: int
    title: str
    owner: str | None
    status: ActionStatus
    priority: ActionPriority
    due_date: date | None
    tracker_key: str | None
    tracker_url: str | None


class IncidentSummary(BaseModel):
    ref: str
    href: str
    url: str | None
    title: str
    status: Status
    severity: Severity
    tier: Tier
    types: list[str]
    declared_at: datetime
    updated_at: datetime


class IncidentView(IncidentSummary):
    summary: str
    region: str | None
    jurisdictions: list[str]
    detection_source: str | None
    external_ref: str | None
    occurred_at: datetime | None
    detected_at: datetime | None
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    channel_id: str | None = Field(description="The Slack channel, once the bot has opened it.")
    roles: list[RoleView] = Field(description="Current holders only.")
    clocks: list[ClockView]
    actions: list[ActionView]


class IncidentPage(BaseModel):
    items: list[IncidentSummary] = Field(description="Oldest change first, so a poller can follow updated_since.")
    next: str | None = Field(description="The next page (same filters), or null after the last one.")


class StatusFilter(StrEnum):
    """``open`` is declared, investigating or mitigated; ``all`` is any status."""

    ALL = "all"
    OPEN = "open"
    DECLARED = "declared"
    INVESTIGATING = "investigating"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class PartyRequest(_Request):
    role: PartyRole = Field(description="The party's role in the case.")
    name: Label | None = None
    handle: Label | None = Field(None, description="Platform handle, with or without @.")
    account_id: Label | None = Field(None, description="Platform account id.")
    contact: Annotated[str | None, Field(max_length=320, pattern=_ANY_TEXT)] = Field(
        None, description="E-mail address or phone number."
    )


class AddedParty(BaseModel):
    """No identifiers: answers to POSTs are kept for idempotent replay, and identifiers must be erasable."""

    number: int = Field(description="Addresses the party within the incident, e.g. to erase it.")
    token: str = Field(description="How the party appears beyond the team, e.g. Reporter or Witness 2.")
    role: PartyRole


class PartyView(AddedParty):
    name: str | None
    handle: str | None
    account_id: str | None
    contact: str | None
    created_at: datetime
    erased_at: datetime | None = Field(description="Once erased, the identifiers above are null for good.")


class PartyList(BaseModel):
    items: list[PartyView]


class NoBody(_Request):
    """What a POST without a body sends (for its idempotency record): its path alone tells retries apart."""


class ErasureView(BaseModel):
    number: int
    token: str = Field(description="What replaced the party's identifiers across the incident.")
    replacements: int = Field(description="How many places in the incident's record named the party.")


class FieldError(BaseModel):
    field: str | None = Field(description="The input at fault (body field, query parameter or header), if any.")
    message: str


class ErrorBody(BaseModel):
    errors: list[FieldError] = Field(min_length=1)


class ReferralRequest(_Request):
    kind: Annotated[str, Field(max_length=64, description="A referral kind from the policy pack, e.g. user_dispute.")]
    owner_email: Email | None = Field(None, description="Who follows it up: a Vigil user's e-mail address.")
    due_date: date | None = Field(None, description="Defaults to the kind's usual time from today.")
    external_ref: Label | None = Field(None, description="The other process's case, claim or report number.")
    note: Annotated[str, text(4000)] = ""


class ReferralChange(_Request):
    """Only the fields given change. A status the referral already has changes nothing, so a decision reported
    twice is harmless; moving backwards is refused with the statuses it can move to."""

    status: ReferralStatus | None = Field(None, description="Forward only: accepted, in_progress, decided, closed.")
    outcome: Annotated[str | None, text(4000)] = Field(None, description="Required to decide.")
    reason: Annotated[str | None, text(4000)] = Field(None, description="Required to decline.")
    owner_email: Email | None = None
    due_date: date | None = None
    external_ref: Label | None = None


class ReferralView(BaseModel):
    """No free text (note, outcome, reason): answers are kept for idempotent replay, and the review is where the
    decision is read."""

    id: int = Field(description="Addresses the referral in PATCH /referrals/{id}.")
    ref: str = Field(description="The incident it belongs to.")
    kind: str
    status: ReferralStatus
    owner: str | None
    due_date: date | None
    external_ref: str | None
    requested_at: datetime
    accepted_at: datetime | None
    in_progress_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
    declined_at: datetime | None
    jira_key: str | None = Field(description="The Jira issue it was filed as, when its kind names a Jira project.")


class ReferralList(BaseModel):
    items: list[ReferralView]


class SkipRequest(_Request):
    reason: Annotated[str, text(1000, required=True, description="Why the step is skipped; the review lists it.")]


class TaskView(BaseModel):
    """A playbook step. No skip reason (free text): answers are kept for idempotent replay, and the review and the
    timeline are where the reason is read."""

    id: int = Field(description="Addresses the step in POST .../tasks/{task_id}/complete and .../skip.")
    ref: str = Field(description="The incident it belongs to.")
    playbook: str
    step: str = Field(description="The step's key within its playbook.")
    text: str = Field(description="What to do, in the policy's words.")
    owner_role: str = Field(description="The incident role expected to do it (reminded before it is due).")
    required: bool
    due_at: datetime
    status: TaskStatus
    late: bool = Field(description="Open past its due time, or finished after it (as of the answer).")
    finished_at: datetime | None
    finished_by: str | None
    source_url: str = Field(description="Where the playbook's steps come from.")


class TaskList(BaseModel):
    items: list[TaskView] = Field(description="In the order they were added; a playbook's steps in its order.")
    finished: int = Field(description="Steps done or skipped.")
    total: int
    late: int = Field(description="Open steps past their due time.")
