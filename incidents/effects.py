"""What the domain records about each change: a timeline entry, an audit event and the side effects it wants.

Every service goes through :func:`write_entry`, so no change can skip its timeline entry or its audit event, and
adapters learn about changes only from the outbox (never by being called from inside the transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidents.context import Ctx
from incidents.enums import TimelineKind
from incidents.models import AuditEvent, Incident, TimelineEntry
from incidents.outbox import Topic, enqueue


def audit(ctx: Ctx, actor: str, action: str, incident: Incident | None, **details: Any) -> None:
    ctx.session.add(
        AuditEvent(
            at=ctx.now(),
            actor=actor,
            action=action,
            incident_id=incident.id if incident is not None else None,
            details=details,
        )
    )


def write_entry(
    ctx: Ctx,
    incident: Incident,
    *,
    kind: TimelineKind,
    actor: str,
    text: str,
    audit_action: str | None = None,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
    sensitive: bool = False,
    source_url: str | None = None,
    external_id: str | None = None,
    announce: bool = True,
) -> TimelineEntry:
    """Write the timeline entry (and audit event) for a change to ``incident`` and queue its side effects.

    ``announce`` queues a post of the entry to the incident channel; the card (once there is one) is refreshed
    either way, see :func:`changed`. Nothing is flushed (so the entry has no id yet) unless the post needs the
    id: flushes are most of a write's cost.
    """
    now = ctx.now()
    entry = TimelineEntry(
        incident=incident,
        at=at or now,
        seq=next_timeline_seq(incident),
        recorded_at=now,
        kind=kind,
        author=actor,
        text=text,
        sensitive=sensitive,
        in_review=True,
        source_url=source_url,
        external_id=external_id,
        data=data or {},
    )
    ctx.session.add(entry)
    incident.updated_at = now
    if audit_action is not None:
        audit(ctx, actor, audit_action, incident, **(data or {}))
    changed(ctx, incident)
    if announce:
        ctx.session.flush()
        enqueue(ctx.session, Topic.TIMELINE_ADDED, now=now, incident_id=incident.id, payload={"entry_id": entry.id})
    return entry


def next_timeline_seq(incident: Incident) -> int:
    """The sequence number for the incident's next timeline entry. Two writers numbering entries of one incident
    at once both change its row, so the incident's version check refuses the later one (it retries), and the
    unique (incident, seq) constraint backs that up."""
    incident.timeline_seq = (incident.timeline_seq or 0) + 1  # None on an incident not yet inserted
    return incident.timeline_seq


def changed(ctx: Ctx, incident: Incident) -> None:
    """Ask adapters to refresh what shows the incident's state (the pinned card, topic, announcement).

    Until the incident has its channel nothing shows it yet: provisioning posts the state it reads, and queues a
    refresh itself if the incident changed meanwhile (by version). So a declare queues no refresh.

    The incident's row is locked before looking for a refresh still waiting to be claimed: a refresher checks
    the version it showed under the same lock (:func:`bot.delivery.refresh_if_newer`), so a change that counted
    on a waiting refresh is either seen by it or seen to be missed by it, never lost between the two.
    """
    if incident.slack_channel_id is None:
        return
    ctx.lock_incident(ref=incident.ref)
    enqueue(
        ctx.session,
        Topic.INCIDENT_CHANGED,
        now=ctx.now(),
        incident_id=incident.id,
        once_for=incident.id,
    )
