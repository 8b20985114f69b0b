"""Domain objects → API bodies, plus the reads only the API needs (people by e-mail, the change-ordered list)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from incidents.access import Act, ViewerKind, Who, allows, permits, standing
from incidents.access.reading import seen_standing
from incidents.apikeys.service import Principal
from incidents.clocks.standing import clock_standing
from incidents.context import Ctx
from incidents.enums import Status, Tier
from incidents.errors import NotFound
from incidents.links import WebAddress, incident_page
from incidents.models import Incident, Person
from incidents.parties.service import ListedParty
from incidents.queries import IncidentFilter, incident_to_show, matching
from incidents.referrals.models import Referral
from incidents.tasks.models import Task
from incidents.tasks.service import progress
from web.api.errors import ApiProblem
from web.api.schemas import (
    ActionView,
    ClockView,
    IncidentSummary,
    IncidentView,
    PartyView,
    ReferralView,
    RoleView,
    StatusFilter,
    TaskList,
    TaskView,
)

PREFIX = "/api/v1"


def href(ref: str) -> str:
    return f"{PREFIX}/incidents/{ref}"


def caller(principal: Principal) -> Who:
    """The key as :mod:`incidents.access` knows it: its kind, and its principal (a member of what it declared)."""
    kind = ViewerKind.API_KEY if principal.standard_only else ViewerKind.API_KEY_ALL_TIERS
    return Who(kind, principal.actor)


def may_declare(principal: Principal, tier: Tier) -> bool:
    return allows(caller(principal).kind, tier, False, Act.DECLARE)


def visible_incident(ctx: Ctx, principal: Principal, ref: str, act: Act = Act.SEE_INCIDENT) -> Incident:
    """The incident, or :class:`NotFound` — also when the key may not see it, so its existence is not revealed.
    Decided from one light row before the incident is loaded: a refusal costs what a missing reference costs."""
    who = caller(principal)
    found = seen_standing(ctx, who, ref)
    if not permits(who, found, act):
        raise ApiProblem(403, f"This key may not do this with {found.ref}.", field="ref")
    return incident_to_show(ctx, found.ref)


def visible_referral_incident(ctx: Ctx, principal: Principal, referral_id: int) -> Incident:
    """The referral's incident, or :class:`NotFound` with the same answer as for a referral that does not exist
    when the key may not see the incident (decided, as for :func:`visible_incident`, before anything is loaded)."""
    who = caller(principal)
    of_referral = select(Referral.incident_id).where(Referral.id == referral_id).scalar_subquery()
    found = standing(ctx.session, who, where=Incident.id == of_referral)
    if found is None or not permits(who, found, Act.SEE_REFERRALS):
        raise NotFound(f"No referral #{referral_id}.", field="referral_id")
    return incident_to_show(ctx, found.ref)


def incident_task(ctx: Ctx, incident: Incident, task_id: int) -> Task:
    """One of the incident's steps, or :class:`NotFound` (a task id never reaches another incident)."""
    found = ctx.session.get(Task, task_id)
    if found is None or found.incident_id != incident.id:
        message = f"No task #{task_id} on {incident.ref}; GET {href(incident.ref)}/tasks lists them."
        raise NotFound(message, field="task_id")
    return found


def person_by_email(ctx: Ctx, email: str | None, field: str) -> str | None:
    """The person key of a Vigil user by e-mail; 422 naming ``field`` for an address nobody has."""
    if email is None:
        return None
    person = people_by_email(ctx, [email]).get(email.lower())
    if person is None:
        raise ApiProblem(422, f"No Vigil user has the e-mail {email}.", field=field)
    return person


def referral(found: Referral) -> ReferralView:
    return ReferralView(
        id=found.id,
        ref=found.incident.ref,
        kind=found.kind,
        status=found.status,
        owner=found.owner,
        due_date=found.due_date,
        external_ref=found.external_ref,
        requested_at=found.requested_at,
        accepted_at=found.accepted_at,
        in_progress_at=found.in_progress_at,
        decided_at=found.decided_at,
        closed_at=found.closed_at,
        declined_at=found.declined_at,
        jira_key=found.tracker_key,
    )


def task(found: Task, now: datetime) -> TaskView:
    return TaskView(
        id=found.id,
        ref=found.incident.ref,
        playbook=found.playbook,
        step=found.step_key,
        text=found.text,
        owner_role=found.owner_role,
        required=found.required,
        due_at=found.due_at,
        status=found.status,
        late=found.is_late(now),
        finished_at=found.finished_at,
        finished_by=found.finished_by,
        source_url=found.source_url,
    )


def task_list(found: list[Task], now: datetime) -> TaskList:
    steps = progress(found, now)
    return TaskList(items=[task(t, now) for t in found], finished=steps.finished, total=steps.total, late=steps.late)


def people_by_email(ctx: Ctx, emails: Iterable[str]) -> dict[str, str]:
    """Lower-cased e-mail → person key, for the e-mails Vigil knows (the lowest key wins a shared address)."""
    wanted = {e.lower() for e in emails}
    if not wanted:
        return {}
    rows = ctx.session.execute(
        select(func.lower(Person.email), Person.key).where(func.lower(Person.email).in_(wanted)).order_by(Person.key)
    )
    found: dict[str, str] = {}
    for email, key in rows:
        found.setdefault(email, key)
    return found


def summary(incident: Incident, web: WebAddress | None) -> IncidentSummary:
    return IncidentSummary(
        ref=incident.ref,
        href=href(incident.ref),
        url=incident_page(web, incident.ref),
        title=incident.title,
        status=incident.status,
        severity=incident.severity,
        tier=incident.tier,
        types=incident.type_names,
        declared_at=incident.declared_at,
        updated_at=incident.updated_at,
    )


def detail(incident: Incident, web: WebAddress | None, now: datetime) -> IncidentView:
    return IncidentView(
        **summary(incident, web).model_dump(),
        summary=incident.summary,
        region=incident.region,
        jurisdictions=incident.jurisdictions,
        detection_source=incident.detection_source,
        external_ref=incident.external_ref,
        occurred_at=incident.occurred_at,
        detected_at=incident.detected_at,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        channel_id=incident.slack_channel_id,
        roles=[
            RoleView(role=r.role, person=r.person, assigned_at=r.assigned_at)
            for r in incident.roles
            if r.relieved_at is None
        ],
        clocks=[
            ClockView(
                id=c.id,
                regime=c.regime,
                name=c.name,
                jurisdiction=c.jurisdiction,
                due_at=c.due_at,
                satisfied_at=c.satisfied_at,
                state=clock_standing(c, now).state,
            )
            for c in incident.clocks
        ],
        actions=[
            ActionView(
                id=a.id,
                title=a.title,
                owner=a.owner,
                status=a.status,
                priority=a.priority,
                due_date=a.due_date,
                tracker_key=a.tracker_key,
                tracker_url=a.tracker_url,
            )
            for a in incident.actions
        ],
    )


def party(listed: ListedParty) -> PartyView:
    p = listed.party
    return PartyView(
        number=p.number,
        token=listed.token,
        role=p.role_in_case,
        name=p.name,
        handle=p.handle,
        account_id=p.account_id,
        contact=p.contact,
        created_at=p.created_at,
        erased_at=p.erased_at,
    )


def encode_cursor(incident: Incident) -> str:
    raw = json.dumps([incident.updated_at.isoformat(), incident.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        moment, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None or not isinstance(last_id, int):
            raise ValueError(cursor)
        return parsed, last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(
            422, "This cursor is not one the API gave out; start again without it.", field="cursor"
        ) from None


def changed_incidents(
    ctx: Ctx,
    principal: Principal,
    *,
    status: StatusFilter,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Incident], bool]:
    """A page of incidents in order of last change, and whether more follow.

    Ordering by (updated_at, id) keeps paging stable for a poller: an incident that changes while it pages moves
    to a later page (seen again), never to an earlier one (missed).
    """
    f = IncidentFilter(
        open_only=status is StatusFilter.OPEN,
        statuses=(Status(status.value),) if status not in (StatusFilter.OPEN, StatusFilter.ALL) else (),
        updated_since=updated_since,
        seen_by=caller(principal),
    )
    query = matching(f).options(selectinload(Incident.types))
    if cursor:
        moment, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(Incident.updated_at > moment, and_(Incident.updated_at == moment, Incident.id > last_id))
        )
    rows = list(ctx.session.scalars(query.order_by(Incident.updated_at, Incident.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit
