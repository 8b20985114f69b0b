"""Incident rows as a viewer may read them: for the web list and for CSV exports (one shape for both)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from incidents.access import Viewer, sight
from incidents.access.reading import visible
from incidents.context import Ctx
from incidents.enums import Severity, Status, Tier
from incidents.models import Clock
from incidents.parties.tokens import party_tokens
from incidents.people import people_by_key
from incidents.privacy.scan import findings
from incidents.queries import IncidentFilter, list_incidents
from incidents.reviews.document import neutral_title
from incidents.reviews.figures import time_open
from incidents.reviews.redact import Redactor, role_tokens


@dataclass(frozen=True)
class IncidentRow:
    ref: str
    title: str
    severity: Severity
    status: Status
    tier: Tier
    types: tuple[str, ...]
    region: str | None
    commander: str
    """A display name, or a role token ("Commander") when the row is redacted."""
    declared_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    age: timedelta
    """Open for so long (until now, or until resolved)."""
    overdue_clocks: tuple[str, ...]
    redacted: bool


def incident_rows(ctx: Ctx, f: IncidentFilter, viewer: Viewer, *, limit: int, offset: int = 0) -> list[IncidentRow]:
    """One page of the incidents ``viewer`` may list, in :func:`list_incidents` order."""
    incidents = list_incidents(ctx, visible(f, viewer), limit=limit, offset=offset)
    now = ctx.now()
    overdue: dict[int, list[str]] = defaultdict(list)
    if incidents:
        query = select(Clock.incident_id, Clock.name).where(
            Clock.incident_id.in_([i.id for i in incidents]), Clock.satisfied_at.is_(None), Clock.due_at < now
        )
        for incident_id, name in ctx.session.execute(query.order_by(Clock.due_at)):
            overdue[incident_id].append(name)
    people = people_by_key(ctx, [i.commander for i in incidents if i.commander])
    team = Redactor(people, None, mask_pii=False)
    rows = []
    for incident in incidents:
        seen = sight(incident, viewer)
        redacted = seen is None or seen.redacted
        redactor = team
        if redacted:
            tokens = role_tokens(incident, ctx.policy.roles)
            redactor = Redactor(people, tokens, mask_pii=True, identifiers=party_tokens(incident))
        if seen is None or seen.structured_only:
            title = neutral_title(incident, ctx.policy)
        else:
            title = redactor.text(incident.title, findings(incident.pii, "title", incident.title) if redacted else None)
        rows.append(
            IncidentRow(
                ref=incident.ref,
                title=title,
                severity=incident.severity,
                status=incident.status,
                tier=incident.tier,
                types=tuple(incident.type_names),
                region=incident.region,
                commander=redactor.name(incident.commander),
                declared_at=incident.declared_at,
                acknowledged_at=incident.acknowledged_at,
                mitigated_at=incident.mitigated_at,
                resolved_at=incident.resolved_at,
                closed_at=incident.closed_at,
                age=time_open(incident, now),
                overdue_clocks=tuple(overdue.get(incident.id, ())),
                redacted=redacted,
            )
        )
    return rows


def all_incident_rows(ctx: Ctx, f: IncidentFilter, viewer: Viewer, *, batch: int = 1000) -> Iterator[IncidentRow]:
    """Every row, fetched a batch at a time so an export of a large history keeps memory flat."""
    offset = 0
    while True:
        rows = incident_rows(ctx, f, viewer, limit=batch, offset=offset)
        yield from rows
        if len(rows) < batch:
            return
        offset += batch
