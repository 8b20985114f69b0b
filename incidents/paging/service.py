"""Paging verbs: who is woken for an incident, and what comes back.

Every change here writes the page's row, its timeline entry and the outbox rows that deliver it (trigger, resolve,
the acknowledgement deadline) in the caller's unit of work, so a page is never recorded without being sent nor
sent without being recorded. Only the services in :attr:`Ctx.paging` (those with a routing key) are paged: with
none configured, nothing here records anything.

A page is unique per incident and service, and its de-duplication key at the paging service is
``<REF>/<service>``: asking twice, retrying a trigger whose answer was lost, or two replicas delivering the same
row all end in one incident at PagerDuty (one open alert at Jira Service Management, where it is the alert's alias).
A person is paged the same way (:func:`page_person`; what makes a page a person's is in
:mod:`incidents.paging.people`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from incidents.context import Ctx
from incidents.effects import changed, write_entry
from incidents.enums import TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.models import Incident
from incidents.observability import observer
from incidents.outbox import Topic, enqueue
from incidents.paging.config import DEFAULT_SERVICE, PROVIDERS
from incidents.paging.models import Page, PageState
from incidents.paging.people import (
    PERSON_SETTINGS,
    Addressee,
    is_person_page,
    is_person_service,
    page_name,
    person_service,
    ready_to_page,
)
from incidents.people import display, is_email, person_by_email
from incidents.policy.paging import PagingRoute
from incidents.queries import incident_to_change
from incidents.settings import Settings

SYSTEM_ACTOR = "vigil"
OPEN_PAGE = frozenset({PageState.QUEUED, PageState.SENT, PageState.ACKNOWLEDGED, PageState.ESCALATED})
"""A page whose incident at the paging service may still be open: resolving the incident resolves it."""


@dataclass(frozen=True)
class Paged:
    """What :func:`page` did: ``new`` is False when the service had already been paged for the incident."""

    page: Page
    label: str
    new: bool


def label(ctx: Ctx, service: str) -> str:
    """How people name the service ("Trust & Safety on-call")."""
    known = ctx.policy.paging.services.get(service)
    return known.label if known is not None else service


def named(ctx: Ctx, page: Page) -> str:
    return page_name(page, ctx.policy.paging)


def dedup_key(ref: str, service: str) -> str:
    return f"{ref}/{service}"


def _locked(ctx: Ctx, named: ColumnElement[bool]) -> Page | None:
    """The page ``named``, loaded after queueing on its incident's lock, as a resolution does: a change recorded
    here (sent, acknowledged, late) then reads the state the resolution committed instead of writing over it. Read
    again even if the unit holds it already (the trigger's handler reads it before): what it held may be older
    than the lock."""
    incident_id = ctx.session.scalar(select(Page.incident_id).where(named))
    if incident_id is None:
        return None
    ctx.lock_incident(incident_id=incident_id)
    return ctx.session.scalar(select(Page).where(named).execution_options(populate_existing=True))


def pages_of(ctx: Ctx, incident_id: int) -> list[Page]:
    """The incident's pages, oldest first."""
    return list(ctx.session.scalars(select(Page).where(Page.incident_id == incident_id).order_by(Page.id)))


def route_of(ctx: Ctx, incident: Incident) -> PagingRoute | None:
    return ctx.policy.paging.route_for(incident.severity, incident.type_names, incident.region)


def pages_for_declare(ctx: Ctx, incident: Incident, actor: str) -> list[Page]:
    """The pages the policy sends when ``incident`` is declared (its reference must be set): those of its route's
    ``page`` list that are configured, if the route pages at declare. Recorded on the timeline, not announced (the
    channel does not exist yet; its card shows the pages)."""
    route = route_of(ctx, incident) if ctx.paging else None
    if route is None or not route.at_declare:
        return []
    services = [s for s in route.page if s in ctx.paging]
    if not services:
        return []
    reason = f"the policy pages {incident.severity.value} at declare"
    pages = [_new_page(ctx, incident, service, actor=actor, reason=reason) for service in services]
    ctx.session.flush()
    for page in pages:
        _queue_trigger(ctx, page)
    names = ", ".join(label(ctx, s) for s in services)
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.PAGE,
        actor=actor,
        text=f"Paging {names}: {reason}.",
        data={"page_ids": [p.id for p in pages], "services": services},
        announce=False,
    )
    return pages


def page(ctx: Ctx, ref: str, *, service: str | None, actor: str, reason: str) -> Paged:
    """Page ``service`` (its name or its label; None: the first service the incident's route pages, else
    ``default``) for the open incident ``ref``.

    Idempotent per incident and service: a service already paged (and not since resolved) is not paged again and
    ``new`` is False. Refuses a closed or resolved incident, and a service that is unknown or has no routing key,
    in one line naming the services that can be paged.
    """
    incident = _open_incident(ctx, ref)
    name = _service_named(ctx, incident, service)
    return _requested(ctx, incident, name, label(ctx, name), actor=actor, reason=reason)


def page_person(ctx: Ctx, ref: str, *, person: str, actor: str, reason: str, settings: Settings) -> Paged:
    """Page one person (``person``: a Slack id, an e-mail, ``@name`` or ``cli:name``) for the open incident
    ``ref``, through PagerDuty's REST API (see :mod:`incidents.paging.people`). Idempotent per incident and person,
    as :func:`page` is per service. Refused in one line, recording nothing, when the settings or the pack lack
    what a person's page needs or Vigil does not know the person's e-mail."""
    incident = _open_incident(ctx, ref)
    whom = ready_to_page(ctx, incident, person, actor=actor, settings=settings)
    return _requested(ctx, incident, person_service(whom.email), whom.name, actor=actor, reason=reason, person=whom)


def _open_incident(ctx: Ctx, ref: str) -> Incident:
    incident = incident_to_change(ctx, ref)
    if not incident.status.is_open:
        raise VigilError(f"{incident.ref} is {incident.status.value}; reopen it before paging anyone.")
    return incident


def _requested(
    ctx: Ctx,
    incident: Incident,
    name: str,
    shown: str,
    *,
    actor: str,
    reason: str,
    person: Addressee | None = None,
) -> Paged:
    """Page ``name`` (shown as ``shown``) unless it is paged already, and say so on the timeline."""
    reason = " ".join(reason.split())[:200] or "paged by hand"
    existing = ctx.session.scalar(select(Page).where(Page.incident_id == incident.id, Page.service == name))
    if existing is not None and existing.state is not PageState.RESOLVED:
        return Paged(existing, named(ctx, existing), new=False)
    if existing is None:
        paged = _new_page(ctx, incident, name, actor=actor, reason=reason)
        ctx.session.flush()
    else:
        paged = _repage(ctx, existing, actor=actor, reason=reason)
    if person is not None:
        paged.on_call = [asdict(person)]
    _queue_trigger(ctx, paged)
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.PAGE,
        actor=actor,
        text=f"Paging {shown}: {reason}.",
        audit_action="page.request",
        data={"page_id": paged.id, "service": name},
    )
    return Paged(paged, shown, new=True)


def resolve_pages(ctx: Ctx, incident: Incident) -> list[Page]:
    """The incident is resolved (or closed): tell each paging service that may still hold it open. A trigger not
    yet delivered is dropped by its handler, which reads the page resolved."""
    open_pages = [p for p in pages_of(ctx, incident.id) if p.state in OPEN_PAGE]
    for p in open_pages:
        p.state, p.resolved_at = PageState.RESOLVED, ctx.now()
        observer().pages("resolved")
        enqueue(ctx.session, Topic.PAGE_RESOLVE, now=ctx.now(), incident_id=incident.id, payload={"page_id": p.id})
    return open_pages


def sent(ctx: Ctx, page_id: int, *, at: datetime, look_up_on_call: bool = False) -> Page | None:
    """The paging service accepted the trigger at ``at``. Queues the acknowledgement deadline (the policy's target
    for the incident's severity) and, with ``look_up_on_call``, the look-up of who is on call. Idempotent: a page
    already recorded sent is left alone. A page the incident's resolution overtook is resolved again, since the
    resolve may have reached the paging service before this trigger did."""
    found = _locked(ctx, Page.id == page_id)
    if found is None or found.sent_at is not None:
        return found
    incident = found.incident
    found.sent_at = at
    if found.state is PageState.RESOLVED:
        enqueue(ctx.session, Topic.PAGE_RESOLVE, now=ctx.now(), incident_id=incident.id, payload={"page_id": page_id})
        return found
    found.state, found.last_error = PageState.SENT, None
    observer().pages("sent")
    observer().waited("signal_to_page", (at - (incident.detected_at or incident.declared_at)).total_seconds())
    minutes = ctx.policy.paging.acknowledge_within_minutes.get(incident.severity)
    if minutes is not None:
        due = enqueue(
            ctx.session, Topic.PAGE_ACK_DUE, now=ctx.now(), incident_id=incident.id, payload={"page_id": page_id}
        )
        if due is not None:
            due.available_at = at + timedelta(minutes=minutes)
    if look_up_on_call:
        enqueue(ctx.session, Topic.PAGE_ON_CALL, now=ctx.now(), incident_id=incident.id, payload={"page_id": page_id})
    if found.late_noted:
        late_by = max(1, round((at - found.requested_at).total_seconds() / 60))
        write_entry(
            ctx,
            incident,
            kind=TimelineKind.PAGE,
            actor=SYSTEM_ACTOR,
            text=f"The page to {named(ctx, found)} went through at {_clock(at)}, {late_by} min late.",
            data={"page_id": page_id, "service": found.service},
        )
    else:
        changed(ctx, incident)
    return found


def late(ctx: Ctx, page_id: int, *, error: str) -> bool:
    """The trigger keeps failing: tell the channel once that the page is late (Vigil keeps trying), naming the
    page's provider. Returns whether this call recorded it."""
    found = _locked(ctx, Page.id == page_id)
    if found is None:
        return False
    found.last_error = error[:2000]
    if found.late_noted or found.sent_at is not None or found.state is not PageState.QUEUED:
        return False
    found.late_noted = True
    write_entry(
        ctx,
        found.incident,
        kind=TimelineKind.PAGE,
        actor=SYSTEM_ACTOR,
        text=f"The page to {named(ctx, found)} is late: {PROVIDERS[found.provider].name} is not answering; "
        "Vigil keeps trying.",
        data={"page_id": page_id, "service": found.service},
    )
    return True


def refused(ctx: Ctx, page_id: int, *, error: str) -> None:
    """The paging service refused the trigger (a wrong key, a malformed event): retrying cannot help, so the
    channel is told at once, naming the page's provider and the setting to check."""
    found = _locked(ctx, Page.id == page_id)
    if found is None or found.sent_at is not None:
        return
    found.last_error = error[:2000]
    provider = PROVIDERS[found.provider]
    check = f"Check {PERSON_SETTINGS}" if is_person_page(found) else f"Check its key ({provider.key_settings})"
    write_entry(
        ctx,
        found.incident,
        kind=TimelineKind.PAGE,
        actor=SYSTEM_ACTOR,
        text=f"{provider.name} refused the page to {named(ctx, found)} ({error[:300].rstrip('.')}); nobody "
        f"was paged. {check}.",
        audit_action="page.refused",
        data={"page_id": page_id, "service": found.service},
    )


def no_account(ctx: Ctx, page_id: int) -> None:
    """PagerDuty has no user with the paged person's e-mail, so nobody can be paged: the channel is told in one
    line and the page dropped, so that asking again once they have an account pages them."""
    found = _locked(ctx, Page.id == page_id)
    if found is None or found.sent_at is not None:
        return
    incident, name, service = found.incident, named(ctx, found), found.service
    ctx.session.delete(found)
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.PAGE,
        actor=SYSTEM_ACTOR,
        text=f"{name} has no PagerDuty account (no PagerDuty user has their e-mail address), so nobody was paged; "
        "page their service instead.",
        audit_action="page.refused",
        data={"page_id": page_id, "service": service},
    )


def acknowledged(ctx: Ctx, key: str, *, by: str, at: datetime, provider: str = "PagerDuty") -> Page | None:
    """Someone acknowledged the page whose de-duplication key is ``key`` at the paging service: recorded on the
    timeline ("Acknowledged by Sam Lee via PagerDuty") and announced; the incident's own acknowledgement is set if
    nobody had acknowledged it yet. None for a key Vigil never sent; a page already acknowledged is left alone
    (webhooks are redelivered)."""
    found = _locked(ctx, Page.dedup_key == key)
    if found is None or found.acknowledged_at is not None:
        return found
    name = " ".join(by.split())[:200] or "someone"
    found.acknowledged_at, found.acknowledged_by = at, name
    observer().pages("acknowledged")
    if found.sent_at is not None:
        observer().waited("page_to_acknowledge", (at - found.sent_at).total_seconds())
    if found.state is not PageState.RESOLVED:
        found.state = PageState.ACKNOWLEDGED
    incident = found.incident
    if incident.acknowledged_at is None:
        incident.acknowledged_at = at
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.PAGE,
        actor=SYSTEM_ACTOR,
        text=f"Acknowledged by {name} via {provider}",
        at=at,
        audit_action="page.acknowledged",
        data={"page_id": found.id, "service": found.service},
    )
    return found


def resolved_remotely(ctx: Ctx, key: str, *, by: str | None, at: datetime, provider: str = "PagerDuty") -> Page | None:
    """Someone resolved the page's incident at the paging service while Vigil still had it open: noted on the
    timeline (the Vigil incident itself stays as it is: only its commander resolves it). Vigil's own resolves and
    redeliveries find the page resolved already and change nothing."""
    found = _locked(ctx, Page.dedup_key == key)
    if found is None or found.state is PageState.RESOLVED:
        return found
    found.state, found.resolved_at = PageState.RESOLVED, at
    who = f" by {' '.join(by.split())[:200]}" if by and by.strip() else ""
    write_entry(
        ctx,
        found.incident,
        kind=TimelineKind.PAGE,
        actor=SYSTEM_ACTOR,
        text=f"The page to {named(ctx, found)} was resolved in {provider}{who}; the incident stays open.",
        at=at,
        data={"page_id": found.id, "service": found.service},
    )
    return found


def answered(ctx: Ctx, key: str, *, resolved: bool, by: str, at: datetime, provider: str) -> bool:
    """A paging service's webhook says the page with de-duplication key ``key`` was acknowledged (or, with
    ``resolved``, resolved there) by ``by``: a name, or an e-mail address, shown as the name of the person Vigil
    knows by it. Whether this changed anything (redeliveries, Vigil's own resolves coming back and keys Vigil never
    sent change nothing)."""
    found = _locked(ctx, Page.dedup_key == key)
    if found is None:
        return False
    known = person_by_email(ctx, by) if is_email(by) else None
    name = display(ctx, known) if known is not None else by
    if resolved:
        was_open = found.state is not PageState.RESOLVED
        resolved_remotely(ctx, key, by=name, at=at, provider=provider)
        return was_open
    was_unacknowledged = found.acknowledged_at is None
    acknowledged(ctx, key, by=name or "someone", at=at, provider=provider)
    return was_unacknowledged


def ack_due(ctx: Ctx, page_id: int) -> Page | None:
    """The page's acknowledgement target passed. If nobody acknowledged it and the incident is open, page the
    next configured service of the route's ``escalate`` list not paged yet, and say so in the channel (naming
    who was paged when); with nobody left to page, say that instead. Returns the new page, if any. Runs once
    per page (``escalated_at``)."""
    found = _locked(ctx, Page.id == page_id)
    if found is None or found.state is not PageState.SENT or found.escalated_at is not None:
        return None
    incident = found.incident
    if not incident.status.is_open or found.sent_at is None:
        return None
    found.escalated_at = ctx.now()
    minutes = ctx.policy.paging.acknowledge_within_minutes.get(incident.severity)
    within = f" within {minutes} min" if minutes is not None else ""
    missed = f"Nobody acknowledged the page to {named(ctx, found)} sent at {_clock(found.sent_at)}{within}"
    following = _next_service(ctx, incident)
    if following is None:
        write_entry(
            ctx,
            incident,
            kind=TimelineKind.PAGE,
            actor=SYSTEM_ACTOR,
            text=f"{missed}; the policy names nobody further to page.",
            data={"page_id": page_id, "service": found.service},
        )
        return None
    found.state = PageState.ESCALATED
    observer().pages("escalated")
    reason = f"escalated: {named(ctx, found)} did not acknowledge{within}"
    existing = ctx.session.scalar(select(Page).where(Page.incident_id == incident.id, Page.service == following))
    if existing is None:
        escalation = _new_page(ctx, incident, following, actor=SYSTEM_ACTOR, reason=reason, level=found.level + 1)
        ctx.session.flush()
    else:
        escalation = _repage(ctx, existing, actor=SYSTEM_ACTOR, reason=reason, level=found.level + 1)
    _queue_trigger(ctx, escalation)
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.PAGE,
        actor=SYSTEM_ACTOR,
        text=f"{missed}; paging {label(ctx, following)}.",
        audit_action="page.escalate",
        data={"page_id": page_id, "service": found.service, "escalation_id": escalation.id, "to": following},
    )
    return escalation


def record_on_call(ctx: Ctx, page_id: int, people: list[dict[str, str]]) -> list[str]:
    """Who the paging service says is on call for the page's service (``[{"name", "email"}]``): kept on the page,
    shown on the card, and recorded on the timeline ("On call for Trust & Safety on-call: Sam Lee") with their
    e-mail addresses as ``email:<address>`` keys in its ``invite``, which the chat side invites to the channel when
    it posts the entry. Returns those keys. Idempotent: the same people recorded again change nothing and return
    nothing."""
    found = _locked(ctx, Page.id == page_id)
    if found is None:
        return []
    cleaned = [
        {"name": " ".join(str(p.get("name") or "").split())[:200], "email": str(p.get("email") or "").strip()[:320]}
        for p in people
    ]
    if cleaned == found.on_call:
        return []
    found.on_call = cleaned
    invite = [f"email:{p['email'].lower()}" for p in cleaned if p["email"]]
    if cleaned:
        names = ", ".join(p["name"] or p["email"] for p in cleaned)
        write_entry(
            ctx,
            found.incident,
            kind=TimelineKind.PAGE,
            actor=SYSTEM_ACTOR,
            text=f"On call for {label(ctx, found.service)}: {names}",
            data={"page_id": page_id, "service": found.service, "invite": invite},
        )
    else:
        changed(ctx, found.incident)
    return invite


def _service_named(ctx: Ctx, incident: Incident, given: str | None) -> str:
    services = ctx.policy.paging.services
    if not ctx.paging:
        raise VigilError(
            "Paging is not configured: set VIGIL_PAGERDUTY_ROUTING_KEY (and the events URL) or VIGIL_JSM_API_KEY."
        )
    known = ", ".join(f"{name} ({services[name].label})" for name in sorted(ctx.paging))
    if given is None or not given.strip():
        route = route_of(ctx, incident)
        candidates = [*(route.page if route else []), DEFAULT_SERVICE, *sorted(ctx.paging)]
        return next(s for s in candidates if s in ctx.paging)
    wanted = given.strip().lstrip("@").casefold()
    match = next((n for n, s in services.items() if wanted in (n.casefold(), s.label.casefold())), None)
    if match is None:
        raise NotFound(f"Unknown paging service {given.strip()!r}: page one of {known}.", field="service")
    if match not in ctx.paging:
        raise VigilError(
            f"{services[match].label} has no key ({PROVIDERS[services[match].provider].key_settings}); page one of "
            f"{known}.",
            field="service",
        )
    return match


def _next_service(ctx: Ctx, incident: Incident) -> str | None:
    route = route_of(ctx, incident)
    if route is None:
        return None
    paged = {p.service for p in pages_of(ctx, incident.id) if p.state is not PageState.RESOLVED}
    return next((s for s in route.escalate if s in ctx.paging and s not in paged), None)


def _new_page(ctx: Ctx, incident: Incident, service: str, *, actor: str, reason: str, level: int = 0) -> Page:
    created = Page(
        incident=incident,
        service=service,
        provider="pagerduty" if is_person_service(service) else ctx.policy.paging.services[service].provider,
        dedup_key=dedup_key(incident.ref, service),
        state=PageState.QUEUED,
        level=level,
        reason=reason[:200],
        requested_by=actor,
        requested_at=ctx.now(),
        late_noted=False,
        on_call=[],
    )
    ctx.session.add(created)
    return created


def _repage(ctx: Ctx, again: Page, *, actor: str, reason: str, level: int = 0) -> Page:
    """A page resolved with its incident, sent again after the incident was reopened: the paging service opens a
    new incident for the same key, since the old one is resolved."""
    again.state, again.level, again.reason = PageState.QUEUED, level, reason[:200]
    again.requested_by, again.requested_at = actor, ctx.now()
    again.sent_at = again.acknowledged_at = again.acknowledged_by = again.resolved_at = again.escalated_at = None
    again.late_noted, again.on_call, again.last_error = False, [], None
    return again


def _queue_trigger(ctx: Ctx, queued: Page) -> None:
    enqueue(
        ctx.session, Topic.PAGE_TRIGGER, now=ctx.now(), incident_id=queued.incident_id, payload={"page_id": queued.id}
    )


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC"
