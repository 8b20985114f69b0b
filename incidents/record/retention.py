"""Retention: the daily purge of the free text and personal data of incidents closed longer ago than the policy
pack keeps them (:mod:`incidents.policy.retention`). Structured facts stay, and so does the record: the purged rows'
new versions are appended to it, and the salts of what they said before are erased
(:func:`incidents.record.erasure.forget_earlier_text`), so the incident still verifies and says it was purged.

An incident under a legal hold is skipped (and said to be). The scheduler's leader runs the purge; each incident is
purged under its own row lock and marked purged in the same transaction, so a second runner finds nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select

from incidents.context import Ctx, Domain
from incidents.effects import audit, changed
from incidents.enums import Status
from incidents.mentions import MENTIONS_KEY
from incidents.models import Action, Incident, SeverityChange, StatusUpdate, TimelineEntry
from incidents.parties.models import Party
from incidents.parties.service import IDENTIFIER_FIELDS, incident_parts_with_personal_text
from incidents.record.erasure import forget_earlier_text
from incidents.record.holds import active_holds
from incidents.record.models import RetentionPurge
from incidents.reported_by import REPORTED_BY
from incidents.reviews.models import Review

RETENTION = "retention"
"""Who the purge acts as, in the audit log and the record."""
PURGED = "personal_data"
PURGE_ACTION = "retention.purge"


@dataclass
class Purge:
    purged: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        done = f"Purged {len(self.purged)} incident{'' if len(self.purged) == 1 else 's'}"
        listed = f": {', '.join(self.purged)}" if self.purged else ""
        kept = f"; kept under legal hold: {', '.join(self.held)}" if self.held else ""
        return f"{done}{listed}{kept}."


def purge_due(domain: Domain) -> Purge:
    """Purge every closed incident whose retention has run out, one unit of work each."""
    outcome = Purge()
    with domain.unit() as ctx:
        due = _due(ctx)
    for incident_id in due:
        ref, purged = domain.run(partial(purge_incident, incident_id=incident_id))
        (outcome.purged if purged else outcome.held).append(ref)
    return outcome


def _due(ctx: Ctx) -> list[int]:
    """Closed incidents not yet purged whose retention has run out by now."""
    done = select(RetentionPurge.incident_id).where(RetentionPurge.what == PURGED)
    closed = ctx.session.scalars(
        select(Incident).where(
            Incident.status == Status.CLOSED, Incident.closed_at.is_not(None), Incident.id.not_in(done)
        )
    )
    now = ctx.now()
    due = []
    for incident in closed:
        kept = ctx.policy.retention.kept_for(incident.tier, incident.type_names)
        if kept is not None and incident.closed_at is not None and incident.closed_at + kept <= now:
            due.append(incident.id)
    return due


def purge_incident(ctx: Ctx, *, incident_id: int) -> tuple[str, bool]:
    """Purge one incident (under its row lock); (its reference, False when a legal hold kept it)."""
    ctx.lock_incident(incident_id=incident_id)
    incident = ctx.session.get(Incident, incident_id)
    assert incident is not None
    if ctx.session.get(RetentionPurge, (incident_id, PURGED)) is not None:
        return incident.ref, True  # another runner got here first
    if active_holds(ctx.session, incident_id):
        return incident.ref, False
    now = ctx.now()
    marker = f"(erased on {now:%Y-%m-%d} by {RETENTION})"
    counts = {"parties": _blank_parties(ctx, incident_id, now), "texts": _purge_text(ctx, incident, marker)}
    ctx.session.add(RetentionPurge(incident_id=incident_id, what=PURGED, at=now, details=counts))
    incident.updated_at = now
    audit(ctx, RETENTION, PURGE_ACTION, incident, **counts)
    forget_earlier_text(ctx, incident_id, actor=RETENTION, action=PURGE_ACTION)
    changed(ctx, incident)
    return incident.ref, True


def _blank_parties(ctx: Ctx, incident_id: int, now: datetime) -> int:
    parties = ctx.session.scalars(select(Party).where(Party.incident_id == incident_id, Party.erased_at.is_(None)))
    count = 0
    for party in parties:
        for column in IDENTIFIER_FIELDS:
            setattr(party, column, None)
        party.erased_at, party.erased_by = now, RETENTION
        count += 1
    return count


def _purge_text(ctx: Ctx, incident: Incident, marker: str) -> int:
    """Replace every free-text field of the incident's parts with ``marker`` (empty where a field is optional
    detail); the title becomes the one leadership reads, whose personal data is masked. Returns the fields
    changed."""
    count = 0
    if incident.leadership_title and incident.title != incident.leadership_title:
        incident.title, count = incident.leadership_title, count + 1
    count += _blank(incident, ("summary",), "")
    for entry in _of(ctx, TimelineEntry, incident):
        count += _blank(entry, ("text",), marker)
        kept = {key: value for key, value in entry.data.items() if key not in (MENTIONS_KEY, REPORTED_BY)}
        if kept != entry.data:
            entry.data = kept
    parts: list[tuple[type[Any], tuple[str, ...], str]] = [
        (StatusUpdate, ("summary",), marker),
        (StatusUpdate, ("impact", "next_steps"), ""),
        (SeverityChange, ("reason",), marker),
        (Action, ("description",), ""),
        *((model, model.__personal_text__, "") for model in incident_parts_with_personal_text() if model is not Review),
    ]
    for model, fields, value in parts:
        for row in _of(ctx, model, incident):
            count += _blank(row, fields, value)
    return count


def _blank(row: Any, fields: tuple[str, ...], value: str) -> int:
    changed_fields = [column for column in fields if getattr(row, column) not in (None, "", value)]
    for column in changed_fields:
        setattr(row, column, value)
    return len(changed_fields)


def _of(ctx: Ctx, model: Any, incident: Incident) -> list[Any]:
    return list(ctx.session.scalars(select(model).where(model.incident_id == incident.id)))
