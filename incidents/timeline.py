"""What responders add to the record: notes, captured messages and status updates.

Notes, updates and captured messages are stored plain, with who they mention in ``data["mentions"]`` (see
:mod:`incidents.mentions`); entries written before that, and Vigil's own entries, refer to people as ``<@key>``.
Adapters and reviews render either as mentions, names or role tokens depending on the audience.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from incidents.context import Ctx
from incidents.effects import audit, changed, write_entry
from incidents.enums import Status, TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.guards import not_in_future, plain, required_text
from incidents.lifecycle import TRANSITIONS, change_status
from incidents.mentions import MENTIONS_KEY, Mention, anchored, mentions_data
from incidents.models import StatusUpdate, TimelineEntry
from incidents.queries import incident_to_change
from incidents.reported_by import reporter_data


def add_note(
    ctx: Ctx,
    ref: str,
    *,
    actor: str,
    text: str,
    at: datetime | None = None,
    sensitive: bool = False,
    source_url: str | None = None,
    mentions: Sequence[Mention] = (),
    reported_by: str | None = None,
) -> TimelineEntry:
    """A note on the timeline. ``at`` back-dates it to when the thing happened; ``sensitive`` puts it behind a
    content warning (and out of leadership reviews); ``mentions`` are the people its text names; ``reported_by``
    is who reported it in another system, kept beside the text (:mod:`incidents.reported_by`)."""
    incident = incident_to_change(ctx, ref)
    text, mentioned = anchored(text, mentions)
    text = required_text(text, "text", label="The note")
    not_in_future(at, ctx.now(), "at", "The time of the note")
    entry = write_entry(
        ctx,
        incident,
        kind=TimelineKind.NOTE,
        actor=actor,
        text=text,
        at=at,
        sensitive=sensitive,
        source_url=source_url,
        data={MENTIONS_KEY: mentions_data(mentioned), **reporter_data(reported_by)},
        announce=False,
    )
    ctx.session.flush()  # callers show the entry, with its id
    return entry


def capture_message(
    ctx: Ctx,
    ref: str,
    *,
    actor: str,
    author: str,
    text: str,
    at: datetime,
    external_id: str,
    permalink: str | None,
    sensitive: bool = False,
    mentions: Sequence[Mention] = (),
) -> TimelineEntry | None:
    """Record a chat message on the timeline. Capturing the same message twice is a no-op (returns None)."""
    incident = incident_to_change(ctx, ref)
    existing = ctx.session.scalar(
        select(TimelineEntry.id).where(
            TimelineEntry.incident_id == incident.id, TimelineEntry.external_id == external_id
        )
    )
    if existing is not None:
        return None
    text, mentioned = anchored(text, mentions) if text.strip() else ("(no text)", [])
    entry = write_entry(
        ctx,
        incident,
        kind=TimelineKind.MESSAGE,
        actor=author,
        text=required_text(text, "text", label="The message", limit=40000),
        at=at,
        sensitive=sensitive,
        source_url=permalink,
        external_id=external_id,
        data={"captured_by": actor, MENTIONS_KEY: mentions_data(mentioned)},
        announce=False,
    )
    ctx.session.flush()  # callers show the entry, with its id
    return entry


def remove_captured(ctx: Ctx, ref: str, *, actor: str, external_id: str) -> bool:
    """Take a captured message off the timeline (its reaction was removed). Returns whether one was there."""
    incident = incident_to_change(ctx, ref)
    entry = ctx.session.scalar(
        select(TimelineEntry).where(
            TimelineEntry.incident_id == incident.id,
            TimelineEntry.external_id == external_id,
            TimelineEntry.kind == TimelineKind.MESSAGE,
        )
    )
    if entry is None:
        return False
    ctx.session.delete(entry)
    audit(ctx, actor, "timeline.remove", incident, external_id=external_id)
    changed(ctx, incident)
    return True


def set_entry_visibility(
    ctx: Ctx,
    ref: str,
    *,
    actor: str,
    entry_id: int,
    in_review: bool | None = None,
    sensitive: bool | None = None,
) -> TimelineEntry:
    incident = incident_to_change(ctx, ref)
    entry = next((e for e in incident.timeline if e.id == entry_id), None)
    if entry is None:
        raise NotFound(f"{incident.ref} has no timeline entry #{entry_id}.", field="entry_id")
    if in_review is not None:
        entry.in_review = in_review
    if sensitive is not None:
        entry.sensitive = sensitive
    audit(
        ctx,
        actor,
        "timeline.visibility",
        incident,
        entry_id=entry_id,
        in_review=entry.in_review,
        sensitive=entry.sensitive,
    )
    return entry


def post_update(
    ctx: Ctx,
    ref: str,
    *,
    actor: str,
    summary: str,
    status: Status | None = None,
    impact: str = "",
    next_steps: str = "",
    next_update_in: timedelta | None = None,
    mentions: Sequence[Mention] = (),
    confirmed: bool = True,
) -> StatusUpdate:
    """A status update. The next one falls due per the severity's cadence unless ``next_update_in`` says so;
    ``mentions`` are the people its summary names.

    A status given here moves the incident along the state machine in the same unit of work (``confirmed``: see
    :func:`incidents.lifecycle.change_status`).
    """
    incident = incident_to_change(ctx, ref)
    if not incident.status.is_open:
        raise VigilError(f"{incident.ref} is {incident.status.value}; it needs no more updates.")
    summary, mentioned = anchored(summary, mentions)
    summary = required_text(summary, "summary", label="A summary")
    if status is not None and status is not incident.status:
        if status not in TRANSITIONS[incident.status]:
            raise VigilError(
                f"{incident.ref} cannot move from {incident.status.value} to {status.value}.", field="status"
            )
        change_status(ctx, ref, actor=actor, status=status, confirmed=confirmed)
    if next_update_in is not None and next_update_in <= timedelta(0):
        raise VigilError("The next update must be in the future.", field="next_update_in")
    cadence = ctx.policy.update_cadence_minutes(incident.severity)
    now = ctx.now()
    due = now + next_update_in if next_update_in else (now + timedelta(minutes=cadence) if cadence else None)
    if not incident.status.is_open:
        due = None
    update = StatusUpdate(
        incident=incident,
        at=now,
        author=actor,
        status=incident.status,
        summary=summary,
        impact=plain(impact),
        next_steps=plain(next_steps),
        next_update_due=due,
    )
    ctx.session.add(update)
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.UPDATE,
        actor=actor,
        text=summary,
        audit_action="incident.update",
        data={
            "status": incident.status.value,
            "impact": update.impact,
            "next_steps": update.next_steps,
            MENTIONS_KEY: mentions_data(mentioned),
        },
    )
    return update
