"""Delivering pages to their provider: the outbox's ``page.*`` topics are shared by PagerDuty and Jira Service
Management, so one handler per topic reads the page's ``provider`` and hands the page to that provider's adapter.

The steps every provider takes live here once, in :class:`Adapter`: reading the page and what it may say, sending
nothing for a page already sent or overtaken by its incident's resolution, telling the channel once that a page is
late (on its second try, or two minutes after it was asked for), recording a refusal at once (retrying a wrong key
or a malformed request cannot help), and recording the page sent. An adapter only speaks its provider's API, and
sorts each failure into :class:`RetryLater` (no answer, 5xx, 408, 429: the outbox retries with its backoff) or
:class:`Refused` (any other status; :class:`NoAccount` when the person a page is for has no account there).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from incidents.context import Ctx, Domain
from incidents.dispatcher import Handler, RetryLater
from incidents.outbox import OutboxMessage, Topic
from incidents.paging import service
from incidents.paging.config import PROVIDERS
from incidents.paging.content import PageContent, page_content
from incidents.paging.models import Page, PageState
from incidents.paging.people import PersonPage, person_page
from incidents.settings import Settings

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0
"""Per request: a page that hangs is retried by the outbox rather than holding a worker."""
LATE_AFTER = timedelta(minutes=2)
"""A trigger failing for this long (or on its second try) is announced as late."""
RATE_LIMITED_WAIT_S = 30.0
"""How long to wait after a 429 that names no ``Retry-After``."""


class Refused(Exception):
    """The provider refused the request; retrying it unchanged cannot help."""


class NoAccount(Refused):
    """The person a page is for has no account at the provider: nobody can be paged."""


@dataclass(frozen=True)
class Outgoing:
    """A trigger to send: the service's key, the de-duplication key (PagerDuty's ``dedup_key``, JSM's ``alias``),
    what the page may say and, for a person's page, who it is for."""

    page_id: int
    key: str
    dedup_key: str
    content: PageContent
    person: PersonPage | None = None


def failure(
    provider: str, doing: str, status: int | None, *, reason: str, retry_after: str | None = None
) -> RetryLater | Refused:
    """Sort a failed request (``status`` None: no answer): worth retrying (:class:`RetryLater`) or not
    (:class:`Refused`, carrying ``reason``, the provider's own words)."""
    name = PROVIDERS[provider].name
    if status is None:
        return RetryLater(f"{name} did not answer while {doing} ({reason})")
    if status >= 500 or status in (408, 429):
        after = None
        if status == 429:
            after = float(retry_after) if retry_after and retry_after.isdigit() else RATE_LIMITED_WAIT_S
        return RetryLater(f"{name} answered {status} while {doing}", after=after)
    return Refused(reason)


class Adapter(ABC):
    """One provider's side of paging. Subclasses implement :meth:`send` and :meth:`withdraw`, raising
    :class:`RetryLater` or :class:`Refused` (see :func:`failure`); the rest is shared."""

    provider: ClassVar[str]

    def __init__(self, domain: Domain, settings: Settings, keys: Mapping[str, str], late_after: timedelta) -> None:
        self.domain, self.settings, self.keys, self.late_after = domain, settings, dict(keys), late_after

    @abstractmethod
    def send(self, outgoing: Outgoing) -> None:
        """Open (or, for the same de-duplication key, add to) the provider's alert."""

    @abstractmethod
    def withdraw(self, key: str, dedup_key: str, person: PersonPage | None) -> None:
        """Resolve the provider's alert; one it has no open alert for must be accepted (a resolve that overtook its
        trigger, or is delivered twice, is harmless)."""

    def key_for(self, page: Page) -> str | None:
        """The key ``page`` is sent with: its service's (None: none is configured here, and it is not sent)."""
        return self.keys.get(page.service)

    def looks_up_on_call(self, ctx: Ctx, page: Page) -> bool:
        """Whether a sent page queues the look-up of who is on call (:meth:`on_call`)."""
        return False

    def on_call(self, message: OutboxMessage) -> None:
        """Who is on call: only PagerDuty is asked (JSM's alert integration cannot tell), so by default let go."""
        log.info("%s does not say who is on call: page #%s", self.provider, message.payload.get("page_id"))

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    @property
    def name(self) -> str:
        return PROVIDERS[self.provider].name

    def trigger(self, message: OutboxMessage) -> None:
        """Send the page (unless it was sent already or its incident resolved first) and record it sent."""
        page_id = int(message.payload["page_id"])
        wanted = self._outgoing(page_id)
        if wanted is None:
            if message.redelivery and self._overtaken(page_id):
                self._withdraw(page_id)  # an earlier try may have reached the provider after the resolve did
            return
        try:
            self.send(wanted)
        except NoAccount:
            log.warning("%s has no account for the person of page #%s", self.name, page_id)
            with self.domain.unit() as ctx:
                service.no_account(ctx, page_id)
            return
        except Refused as exc:
            log.warning("%s refused page #%s: %s", self.name, page_id, exc)
            with self.domain.unit() as ctx:
                service.refused(ctx, page_id, error=str(exc))
            return
        except RetryLater as exc:
            self._note_if_late(message, page_id, str(exc))
            raise
        with self.domain.unit() as ctx:
            found = ctx.session.get(Page, page_id)
            look_up = found is not None and self.looks_up_on_call(ctx, found)
            found = service.sent(ctx, page_id, at=ctx.now(), look_up_on_call=look_up)
            delay = (found.sent_at - found.requested_at).total_seconds() if found and found.sent_at else None
        log.info("page #%s sent to %s%s", page_id, self.name, f" after {delay:.0f}s" if delay is not None else "")

    def resolve(self, message: OutboxMessage) -> None:
        """Tell the provider the incident is resolved; a refusal is logged (nothing more can be done about it)."""
        self._withdraw(int(message.payload["page_id"]))

    def _overtaken(self, page_id: int) -> bool:
        """Whether the incident was resolved before its page was recorded sent."""
        with self.domain.unit() as ctx:
            found = ctx.session.get(Page, page_id)
            return found is not None and found.state is PageState.RESOLVED and found.sent_at is None

    def _withdraw(self, page_id: int) -> None:
        with self.domain.unit() as ctx:
            found = ctx.session.get(Page, page_id)
            if found is None:
                return
            key, dedup_key = self.key_for(found), found.dedup_key
            person = person_page(ctx, found, self.settings)
        if key is None:
            log.warning("no %s key for the paging service of page #%s any more: not resolved", self.name, page_id)
            return
        try:
            self.withdraw(key, dedup_key, person)
        except Refused as exc:
            log.warning("%s refused to resolve page #%s: %s", self.name, page_id, exc)

    def _outgoing(self, page_id: int) -> Outgoing | None:
        with self.domain.unit() as ctx:
            found = ctx.session.get(Page, page_id)
            if found is None or found.sent_at is not None or found.state is not PageState.QUEUED:
                return None
            key = self.key_for(found)
            if key is None:
                log.error("no %s key for paging service %r: page #%s is not sent", self.name, found.service, page_id)
                return None
            content = page_content(found.incident, ctx.policy, self.settings)
            return Outgoing(page_id, key, found.dedup_key, content, person_page(ctx, found, self.settings))

    def _note_if_late(self, message: OutboxMessage, page_id: int, error: str) -> None:
        with self.domain.unit() as ctx:
            if message.attempts >= 1 or ctx.now() - message.created_at >= self.late_after:
                service.late(ctx, page_id, error=error)
            else:
                found = ctx.session.get(Page, page_id)
                if found is not None:
                    found.last_error = error[:2000]


class Pager:
    """The paging handlers of one process: each ``page.*`` delivery goes to the adapter of its page's provider.
    A page whose provider is not configured here waits (:class:`RetryLater`) for a replica that can send it, and
    fails visibly if none does within the outbox's patience: a page is never dropped quietly."""

    def __init__(self, domain: Domain, adapters: Mapping[str, Adapter]) -> None:
        self.domain, self.adapters = domain, dict(adapters)

    def handlers(self) -> dict[Topic, Handler]:
        return {
            Topic.PAGE_TRIGGER: self._route(lambda adapter: adapter.trigger, wait=True),
            Topic.PAGE_RESOLVE: self._route(lambda adapter: adapter.resolve, wait=True),
            Topic.PAGE_ON_CALL: self._route(lambda adapter: adapter.on_call, wait=False),
            Topic.PAGE_ACK_DUE: ack_due_handler(self.domain),
        }

    def close(self) -> None:
        for adapter in self.adapters.values():
            adapter.close()

    def _route(self, step: Callable[[Adapter], Handler], *, wait: bool) -> Handler:
        def deliver(message: OutboxMessage) -> None:
            page_id = int(message.payload["page_id"])
            with self.domain.unit() as ctx:
                found = ctx.session.get(Page, page_id)
                provider = found.provider if found is not None else None
            if provider is None:
                return
            adapter = self.adapters.get(provider)
            if adapter is not None:
                step(adapter)(message)
            elif wait:
                name = PROVIDERS[provider].name
                raise RetryLater(f"{name} is not configured in this process ({message.topic})", after=60.0)
            else:
                log.info("%s is not configured here: %s for page #%s let go", provider, message.topic, page_id)

        return deliver


def ack_due_handler(domain: Domain) -> Handler:
    """``page.ack_due``: escalate a page nobody acknowledged in time (the domain decides; nothing is sent here)."""

    def deliver(message: OutboxMessage) -> None:
        with domain.unit() as ctx:
            service.ack_due(ctx, int(message.payload["page_id"]))

    return deliver
