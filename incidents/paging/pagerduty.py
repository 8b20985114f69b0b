"""PagerDuty's side of paging, over the official ``pagerduty`` client: triggers and resolves through the Events API
v2, and who is on call through the REST API. The steps every provider shares (reading the page, late and refused
pages, recording it sent) are in :mod:`incidents.paging.delivery`.

The client's own retries are off (it would sleep inside a delivery, and retry a 429 forever): one call is one
request with a short timeout, and a 5xx, a 429 or a connection that fails or drops its answer becomes
:class:`RetryLater`, so the outbox retries with its backoff, across restarts and replicas. A retried trigger carries
the same de-duplication key (``<REF>/<service>``), so PagerDuty opens one incident however many tries it takes,
including a try whose answer was lost after PagerDuty had processed it.

A 4xx other than 429 is a refusal (a wrong routing key, a malformed event): retrying cannot help, so the channel is
told at once and the delivery ends.

A person is paged through the REST API instead (the Events API pages services only): their PagerDuty user is found
by e-mail (``GET /users?query=``; none: :class:`~incidents.paging.delivery.NoAccount`) and an incident opened on a
service and assigned to them (``POST /incidents`` with a ``From`` header), its ``incident_key`` the page's
de-duplication key. PagerDuty refuses a second open incident with that key, so a refused retry is checked against
the open incidents with the key: one there means an earlier try got through and only its answer was lost. Resolving
the page resolves those incidents (``PUT /incidents/{id}``).
"""

from __future__ import annotations

import logging
import ssl
import threading
from datetime import timedelta
from typing import Any

import pagerduty

from incidents.context import Ctx, Domain
from incidents.dispatcher import RetryLater
from incidents.outbox import OutboxMessage
from incidents.paging import service
from incidents.paging.config import events_base_url, routing_keys
from incidents.paging.delivery import LATE_AFTER, TIMEOUT_S, Adapter, NoAccount, Outgoing, Refused, failure
from incidents.paging.models import Page, PageState
from incidents.paging.people import PersonPage, is_person_page
from incidents.settings import Settings

log = logging.getLogger(__name__)

ON_CALL_WAIT_S = 30.0
OPEN_STATUSES = ["triggered", "acknowledged"]


def without_retries(client: Any) -> None:
    """One call, one HTTP request. The client retries a 429 without limit whenever its ``retry`` entry is 0, so
    it gets an entry, and ``max_http_attempts = -1`` counts every entry as used up before the first retry;
    ``max_network_attempts = 0`` raises the first transport error at once (pagerduty 7.x)."""
    client.retry = {429: 1}
    client.max_http_attempts = -1
    client.max_network_attempts = 0
    client.sleep_timer = 0
    client.timeout = TIMEOUT_S


def _failure(exc: pagerduty.Error, doing: str) -> RetryLater | Refused:
    """Sort a client error (see :func:`incidents.paging.delivery.failure`)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is None:
        cause = type(exc.__cause__).__name__ if exc.__cause__ is not None else "no answer"
        return failure("pagerduty", doing, None, reason=cause)
    hint = response.headers.get("Retry-After") if response is not None else None
    return failure("pagerduty", doing, status, reason=_reason(response, status), retry_after=hint)


def _reason(response: Any, status: int) -> str:
    """PagerDuty's own words for a refusal (its ``errors`` list: the Events API's at the top, the REST API's in its
    ``error`` object), never the event we sent."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        return f"{status}: " + "; ".join(str(e) for e in errors)[:300]
    return f"HTTP {status}"


class PagerDuty(Adapter):
    """PagerDuty's adapter for one process (the dispatcher reaches it through
    :class:`~incidents.paging.delivery.Pager`)."""

    provider = "pagerduty"

    def __init__(
        self,
        domain: Domain,
        settings: Settings,
        *,
        verify: ssl.SSLContext | bool = True,
        late_after: timedelta = LATE_AFTER,
    ) -> None:
        super().__init__(domain, settings, routing_keys(settings), late_after)
        self.verify = verify
        self.base_url = events_base_url(settings.pagerduty_events_url)
        self.rest: pagerduty.RestApiV2Client | None = None
        if settings.pagerduty_api_token:
            self.rest = pagerduty.RestApiV2Client(
                settings.pagerduty_api_token, base_url=settings.pagerduty_api_url, verify=verify
            )
            without_retries(self.rest)
        self._events: dict[str, pagerduty.EventsApiV2Client] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            for client in self._events.values():
                client.close()
            self._events.clear()
        if self.rest is not None:
            self.rest.close()

    def events(self, routing_key: str) -> pagerduty.EventsApiV2Client:
        """One client (and connection pool) per routing key, shared by the dispatcher's workers."""
        with self._lock:
            client = self._events.get(routing_key)
            if client is None:
                client = pagerduty.EventsApiV2Client(routing_key, base_url=self.base_url, verify=self.verify)
                without_retries(client)
                self._events[routing_key] = client
            return client

    def key_for(self, page: Page) -> str | None:
        """A person's page goes through the REST API, with its token."""
        if is_person_page(page):
            return self.settings.pagerduty_api_token if self.rest is not None else None
        return super().key_for(page)

    def send(self, outgoing: Outgoing) -> None:
        if outgoing.person is not None:
            self._page_person(outgoing, outgoing.person)
            return
        content = outgoing.content
        try:
            self.events(outgoing.key).trigger(
                content.summary,
                content.source,
                dedup_key=outgoing.dedup_key,
                severity=content.severity,
                custom_details=content.custom_details,
                links=content.links,
            )
        except pagerduty.Error as exc:
            raise _failure(exc, "sending a page") from exc

    def withdraw(self, key: str, dedup_key: str, person: PersonPage | None = None) -> None:
        """A key PagerDuty has no open incident for is accepted."""
        try:
            if person is None:
                self.events(key).resolve(dedup_key)
                return
            rest, sender = self._person_rest(person)
            for incident in self._open_incidents(rest, dedup_key):
                resolved = {"incident": {"type": "incident_reference", "status": "resolved"}}
                rest.rput(f"/incidents/{incident['id']}", json=resolved, headers={"From": sender})
        except pagerduty.Error as exc:
            raise _failure(exc, "resolving a page") from exc

    def _page_person(self, outgoing: Outgoing, person: PersonPage) -> None:
        rest, sender = self._person_rest(person)
        if person.service_id is None:
            raise Refused("no PagerDuty service to open it on: give a paging service its pagerduty_service_id")
        try:
            found: Any = rest.find("users", person.addressee.email, attribute="email")
        except pagerduty.Error as exc:
            raise _failure(exc, "looking up the person to page") from exc
        if found is None:
            raise NoAccount("no PagerDuty user has their e-mail address")
        body = outgoing.content.as_incident(outgoing.dedup_key, person.service_id, str(found["id"]))
        try:
            rest.rpost("/incidents", json={"incident": body}, headers={"From": sender})
        except pagerduty.Error as exc:
            refusal = _failure(exc, "paging a person")
            if isinstance(refusal, Refused) and self._already_open(rest, outgoing.dedup_key):
                return
            raise refusal from exc

    def _person_rest(self, person: PersonPage) -> tuple[pagerduty.RestApiV2Client, str]:
        """The REST client and the ``From`` a person's page is sent with, or the refusal saying which is missing."""
        if self.rest is None:
            raise Refused("VIGIL_PAGERDUTY_API_TOKEN is not set")
        if person.sender is None:
            raise Refused("no PagerDuty user to page as: set VIGIL_PAGERDUTY_FROM_EMAIL")
        return self.rest, person.sender

    def _already_open(self, rest: pagerduty.RestApiV2Client, dedup_key: str) -> bool:
        """Whether PagerDuty holds an open incident with the page's key (a refused retry of a page that went
        through). Not knowing is worth retrying: the retry is refused again and asks again."""
        try:
            return bool(self._open_incidents(rest, dedup_key))
        except pagerduty.Error as exc:
            raise _failure(exc, "checking a refused page") from exc

    @staticmethod
    def _open_incidents(rest: pagerduty.RestApiV2Client, dedup_key: str) -> list[Any]:
        return rest.list_all("incidents", params={"incident_key": dedup_key, "statuses[]": OPEN_STATUSES})

    def looks_up_on_call(self, ctx: Ctx, page: Page) -> bool:
        known = ctx.policy.paging.services.get(page.service)
        return self.rest is not None and known is not None and known.pagerduty_service_id is not None

    def on_call(self, message: OutboxMessage) -> None:
        """Ask who is on call (first level of the service's escalation policy) and record them: the card shows them,
        the timeline names them and the chat side invites them by e-mail."""
        page_id = int(message.payload["page_id"])
        with self.domain.unit() as ctx:
            found = ctx.session.get(Page, page_id)
            if found is None or found.state is PageState.RESOLVED or self.rest is None:
                return
            service_id = ctx.policy.paging.services[found.service].pagerduty_service_id
        if service_id is None:
            return
        try:
            people = self._people_on_call(self.rest, service_id)
        except pagerduty.Error as exc:
            sorted_out = _failure(exc, "asking who is on call")
            if isinstance(sorted_out, Refused):
                log.warning("PagerDuty refused the on-call look-up for page #%s: %s", page_id, sorted_out)
                return
            raise RetryLater(str(sorted_out), after=ON_CALL_WAIT_S) from exc
        with self.domain.unit() as ctx:
            service.record_on_call(ctx, page_id, people)

    @staticmethod
    def _people_on_call(rest: pagerduty.RestApiV2Client, service_id: str) -> list[dict[str, str]]:
        found: Any = rest.rget(f"/services/{service_id}")
        policy_id = found["escalation_policy"]["id"]
        entries: list[Any] = rest.list_all("oncalls", params={"escalation_policy_ids[]": [policy_id]})
        if not entries:
            return []
        first = min(int(e.get("escalation_level") or 1) for e in entries)
        user_ids = dict.fromkeys(e["user"]["id"] for e in entries if int(e.get("escalation_level") or 1) == first)
        people = []
        for user_id in user_ids:
            user: Any = rest.rget(f"/users/{user_id}")
            people.append(
                {"name": str(user.get("name") or user.get("summary") or ""), "email": str(user.get("email") or "")}
            )
        return people
