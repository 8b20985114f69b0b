"""Paging one person rather than a service (``/incident page @sam``, ``vigil page REF --person``).

PagerDuty's Events API pages services only; a person is paged through its REST API, as an incident opened on a
PagerDuty service and assigned to their PagerDuty user, found by e-mail (the PagerDuty adapter does both, when the
outbox delivers the page). So a person's page needs the REST API token, a PagerDuty service to open the incident on
(the first of the incident's route, then ``default``, whose ``pagerduty_service_id`` the pack gives), the person's
e-mail, and a PagerDuty user to ask as (PagerDuty's ``From`` header: ``VIGIL_PAGERDUTY_FROM_EMAIL``, else the e-mail
of whoever asks).

A person's page is a :class:`~incidents.paging.models.Page` like a service's, so it is recorded, delivered
through the outbox, de-duplicated, acknowledged, escalated and resolved the same way, with no column of its own:
its ``service`` is ``@`` and a digest of the person's e-mail (one page per incident and person, whether they were
named in Slack or at the terminal, and no address in the de-duplication key PagerDuty shows), and its ``on_call``
holds the one person paged, as ``{"name", "email"}``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.models import Incident, Person
from incidents.paging.config import DEFAULT_SERVICE
from incidents.paging.models import Page
from incidents.people import display_name, is_email, person_by_email, resolve_person
from incidents.policy.paging import PagingPolicy
from incidents.settings import Settings

PERSON_MARK = "@"
PERSON_SETTINGS = "VIGIL_PAGERDUTY_API_TOKEN and VIGIL_PAGERDUTY_FROM_EMAIL"
"""What to check when PagerDuty refuses a person's page (the token, and the user the page is opened as)."""


@dataclass(frozen=True)
class Addressee:
    """Who a person's page is for: their name as Vigil shows it, and the e-mail PagerDuty knows them by."""

    name: str
    email: str


@dataclass(frozen=True)
class PersonPage:
    """What the PagerDuty adapter needs to page a person: who, on which PagerDuty service, asked as whom (None
    where the settings or the pack no longer say: the page is then refused, naming what is missing)."""

    addressee: Addressee
    service_id: str | None
    sender: str | None


def person_service(email: str) -> str:
    """The page's ``service`` for the person with this e-mail."""
    return PERSON_MARK + hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:24]


def is_person_service(service: str) -> bool:
    """Whether a page's ``service`` is a person's (:func:`person_service`) rather than the pack's."""
    return service.startswith(PERSON_MARK)


def is_person_page(page: Page) -> bool:
    return is_person_service(page.service)


def addressee_of(page: Page) -> Addressee | None:
    """The person a person's page is for; None for a service's page."""
    if not is_person_page(page) or not page.on_call:
        return None
    paged = page.on_call[0]
    return Addressee(str(paged.get("name") or paged.get("email") or ""), str(paged.get("email") or ""))


def page_name(page: Page, policy: PagingPolicy) -> str:
    """Who the page wakes, as people name them: the person paged ("Sam Lee"), else the service's label."""
    whom, known = addressee_of(page), policy.services.get(page.service)
    return whom.name if whom is not None else known.label if known is not None else page.service


def addressee(ctx: Ctx, given: str) -> Addressee:
    """The person ``given`` names (a Slack id, an e-mail, ``@name`` or ``cli:name``) and their e-mail. An e-mail
    Vigil has never seen is taken as given: PagerDuty may know them even if Vigil does not."""
    text = " ".join(given.split())
    if is_email(text):
        key = person_by_email(ctx, text)
        known = ctx.session.get(Person, key) if key is not None else None
        return Addressee(display_name(key, known) if key is not None else text, text)
    key = resolve_person(ctx, text)
    person = ctx.session.get(Person, key)
    name = display_name(key, person)
    if person is None or not (person.email or "").strip():
        raise VigilError(
            f"Vigil does not know {name}'s e-mail address, which PagerDuty knows people by: give their e-mail "
            "address, or page their service.",
            field="person",
        )
    return Addressee(name, (person.email or "").strip())


def opened_on(ctx: Ctx, incident: Incident) -> str | None:
    """The PagerDuty service a person's incident is opened on: the first of the incident's route, then
    ``default``, then any, that is a PagerDuty service whose id the pack gives."""
    services = ctx.policy.paging.services
    route = ctx.policy.paging.route_for(incident.severity, incident.type_names, incident.region)
    for name in [*(route.page if route else []), DEFAULT_SERVICE, *sorted(services)]:
        known = services.get(name)
        if known is not None and known.provider == "pagerduty" and known.pagerduty_service_id:
            return known.pagerduty_service_id
    return None


def sender(ctx: Ctx, settings: Settings, actor: str) -> str | None:
    """The e-mail of the PagerDuty user a person's page is opened as: ``VIGIL_PAGERDUTY_FROM_EMAIL``, else the
    asker's own."""
    if settings.pagerduty_from_email:
        return settings.pagerduty_from_email.strip()
    person = ctx.session.get(Person, actor)
    email = (person.email or "").strip() if person is not None else ""
    return email or None


def ready_to_page(ctx: Ctx, incident: Incident, given: str, *, actor: str, settings: Settings) -> Addressee:
    """The person ``given`` names, once everything a person's page needs is there; else one line saying what to
    set (nothing is recorded)."""
    if not settings.pagerduty_api_token:
        raise VigilError(
            "Paging a person needs VIGIL_PAGERDUTY_API_TOKEN (PagerDuty's REST API); until it is set, page their "
            "service."
        )
    if opened_on(ctx, incident) is None:
        raise VigilError(
            "Paging a person needs a PagerDuty service to open their page on: give a paging service its "
            "pagerduty_service_id in the policy pack."
        )
    whom = addressee(ctx, given)
    if sender(ctx, settings, actor) is None:
        raise VigilError(
            "Paging a person needs a PagerDuty user to page as: set VIGIL_PAGERDUTY_FROM_EMAIL, or make sure Vigil "
            "knows your e-mail address."
        )
    return whom


def person_page(ctx: Ctx, page: Page, settings: Settings) -> PersonPage | None:
    """What delivering ``page`` needs, if it is a person's (read as things stand at delivery)."""
    whom = addressee_of(page)
    if whom is None:
        return None
    return PersonPage(whom, opened_on(ctx, page.incident), sender(ctx, settings, page.requested_by))
