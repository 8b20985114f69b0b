"""``/incidents/{ref}``: one incident as the viewer may see it (:mod:`incidents.access` decides, before the
incident is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select

from incidents.access import Act, Sight
from incidents.access.reading import open_incident
from incidents.clocks.standing import ClockState, clock_standing
from incidents.context import Ctx
from incidents.models import Clock, Incident
from incidents.parties.tokens import party_tokens
from incidents.people import people_by_key
from incidents.privacy.scan import findings
from incidents.record.checks import record_line
from incidents.record.holds import active_holds
from incidents.reported_by import with_reporter
from incidents.reviews.document import MILESTONES, milestone_text, neutral_title
from incidents.reviews.export import people_in
from incidents.reviews.figures import time_open
from incidents.reviews.models import Review, ReviewStatus
from incidents.reviews.redact import Redactor, role_label, role_tokens
from incidents.scheduling.plan import next_update_due
from incidents.signals.queries import incident_summary, latest_signals
from web.pages.base import Pages, SignedIn


@dataclass(frozen=True)
class ClockView:
    name: str
    jurisdiction: str
    due_at: datetime
    satisfied_at: datetime | None
    reference: str
    state: ClockState
    late: bool


def _clock_view(clock: Clock, now: datetime, *, withhold_reference: bool) -> ClockView:
    standing = clock_standing(clock, now)
    return ClockView(
        name=clock.name,
        jurisdiction=clock.jurisdiction or "",
        due_at=clock.due_at,
        satisfied_at=clock.satisfied_at,
        reference="withheld" if withhold_reference and clock.reference_id else (clock.reference_id or ""),
        state=standing.state,
        late=standing.late,
    )


def incident_view(ctx: Ctx, incident: Incident, seen: Sight, team: str | None) -> dict[str, Any]:
    """Plain values for the template: people named (or tokened when redacted), text cleaned, links checked."""
    now = ctx.now()
    people = people_by_key(ctx, people_in(incident, None, incident.timeline) | {u.author for u in incident.updates})
    tokens = role_tokens(incident, ctx.policy.roles) if seen.redacted else None
    redactor = Redactor(
        people, tokens, mask_pii=seen.redacted, identifiers=party_tokens(incident) if seen.redacted else None
    )
    name = redactor.name
    structured = seen.structured_only
    reporters = seen.may(Act.SEE_PARTIES)

    def text(raw: str, row: Any = None, column: str = "text", data: dict[str, Any] | None = None) -> str:
        """Free text for this viewer: none at all for a restricted incident seen by leadership (the allowlist of
        incidents.reviews.document), masked as written for leadership otherwise, as typed for everyone else."""
        if structured:
            return ""
        found = findings(row.pii, column, raw) if seen.redacted and row is not None else None
        return redactor.text(raw, found, data=data)

    shown = [
        e
        for e in incident.timeline
        if (seen.sensitive or not e.sensitive) and not (structured and e.kind not in MILESTONES)
    ]
    next_update = next_update_due(incident, ctx.policy)
    review = ctx.session.scalar(select(Review.status).where(Review.incident_id == incident.id))
    channel = None
    if incident.slack_channel_id and not seen.redacted:
        query = {"channel": incident.slack_channel_id, **({"team": team} if team else {})}
        channel = "https://slack.com/app_redirect?" + urlencode(query)
    return {
        "incident": incident,
        "seen": seen,
        "title": neutral_title(incident, ctx.policy) if structured else text(incident.title, incident, "title"),
        "summary": text(incident.summary, incident, "summary"),
        "types": [ctx.policy.types[t].label if t in ctx.policy.types else t for t in incident.type_names],
        "commander": name(incident.commander),
        "age": time_open(incident, now),
        "next_update_due": next_update,
        "next_update_late": next_update is not None and next_update < now,
        "channel_url": channel,
        "roles": [
            {"role": role_label(r.role), "person": name(r.person), "since": r.assigned_at, "until": r.relieved_at}
            for r in sorted(incident.roles, key=lambda r: (r.relieved_at is not None, r.assigned_at, r.id))
        ],
        "handoffs": [
            {
                "from": name(h.from_person),
                "to": name(h.to_person),
                "state": h.state.value,
                "at": h.requested_at,
                "settled": h.settled_at,
            }
            for h in incident.handoffs
        ],
        "timeline": [
            {
                "at": e.at,
                "kind": e.kind.value,
                "author": name(e.author),
                "text": milestone_text(e, redactor)
                if structured
                else with_reporter(text(e.text, e, data=e.data), e.data, named=reporters),
                "sensitive": e.sensitive,
                "link": redactor.link(e.source_url),
            }
            for e in reversed(shown)
        ],
        "withheld": len(incident.timeline) - len(shown),
        "updates": [
            {
                "at": u.at,
                "author": name(u.author),
                "status": u.status.value,
                "summary": text(u.summary),
                "impact": text(u.impact),
                "next_steps": text(u.next_steps),
            }
            for u in reversed(incident.updates)
        ],
        "clocks": [_clock_view(c, now, withhold_reference=seen.redacted) for c in incident.clocks],
        "actions": [
            {
                "title": f"Action {number}" if structured else text(a.title, a, "title"),
                "owner": name(a.owner),
                "due": a.due_date,
                "status": a.status.label,
                "priority": a.priority.value,
                "key": a.tracker_key,
                "url": redactor.link(a.tracker_url),
                "overdue": bool(a.due_date and a.due_date < now.date() and not a.status.is_finished),
            }
            for number, a in enumerate(incident.actions, start=1)
        ],
        "signals": _signals(ctx, incident) if seen.may(Act.SEE_SIGNALS) else None,
        "review_status": review.label if review else None,
        "review_readable": review is not None and (review is ReviewStatus.PUBLISHED or seen.may(Act.SEE_DRAFT_REVIEW)),
        "holds": [
            {"matter": text(h.matter), "by": name(h.placed_by), "at": h.placed_at}
            for h in active_holds(ctx.session, incident.id)
        ],
        "record": record_line(ctx.session, incident.id, incident.ref),
    }


SIGNALS_SHOWN = 200


def _signals(ctx: Ctx, incident: Incident) -> dict[str, Any] | None:
    """The reports the incident took in, the latest first: for its members only (:attr:`Act.SEE_SIGNALS`)."""
    summary = incident_summary(ctx, incident.id)
    if summary is None:
        return None
    shown = [
        {"at": s.received_at, "source": s.source, "subject": s.subject, "reporter": s.reporter, "text": s.text}
        for s in latest_signals(ctx, incident.id, SIGNALS_SHOWN)
    ]
    return {"count": summary.count, "shown": shown}


def incident_router(pages: Pages) -> APIRouter:
    router = APIRouter()

    @router.get("/incidents/{ref}", include_in_schema=False)
    async def incident_page(request: Request, ref: str, viewer: SignedIn) -> Response:
        team = request.session.get("team")

        def read() -> dict[str, Any]:
            with pages.domain.unit() as ctx:
                incident, seen = open_incident(ctx, ref, viewer)
                return incident_view(ctx, incident, seen, team if isinstance(team, str) else None)

        view = await run_in_threadpool(read)
        live = request.query_params.get("live") == "1" and view["incident"].status.is_open
        return pages.render(request, "incident.html.j2", live=live, **view)

    return router
