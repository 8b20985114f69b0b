"""What listeners share, and the Web API client every part of the bot uses."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from slack_sdk import WebClient
from sqlalchemy import select

from bot.metrics import ObservedWebClient
from bot.slack_retries import safe_retry_handlers
from incidents.context import Ctx, Domain
from incidents.errors import Conflict
from incidents.models import Incident
from incidents.settings import Settings
from incidents.timesource import FrozenTime
from incidents.tracker import tracker_configured

T = TypeVar("T")

RECEIVED_AT = "vigil_received_at"
"""Where the transports (:mod:`bot.socket_mode`, :mod:`bot.http`) leave, in a request's bolt context, the moment
Vigil received it; bolt copies it to the request's lazy listeners."""


def received_at(context: Mapping[str, Any]) -> datetime | None:
    """When Vigil received the request whose bolt ``context`` this is (None when no transport said)."""
    value = context.get(RECEIVED_AT)
    return value if isinstance(value, datetime) else None


def nothing() -> None:
    return None


@dataclass
class Vigil:
    """What listeners share: the domain, settings, and how to wake the outbox dispatcher."""

    domain: Domain
    settings: Settings
    poke: Callable[[], None] = field(default=nothing)

    @contextmanager
    def unit(self, received: datetime | None = None) -> Iterator[Ctx]:
        """A unit of work; on commit the dispatcher is woken to deliver what it queued.

        ``received`` (see :func:`received_at`) is the time of everything the unit records: requests that arrive
        together are handled by a pool of workers, queue on the incident's lock and retry on conflicts in no
        particular order, and their timeline must read in the order Vigil received them."""
        with self.domain.unit() as ctx:
            yield ctx if received is None else replace(ctx, clock=FrozenTime(received))
        self.poke()

    def run(self, work: Callable[[Ctx], T], *, received: datetime | None = None, attempts: int = 5) -> T:
        """``work`` in a unit of work (as of ``received``, see :meth:`unit`), run again if another writer changed
        the same incident meanwhile (the incident's version counter refuses the later commit; the retry sees the
        new state)."""
        for attempt in range(1, attempts + 1):
            try:
                with self.unit(received) as ctx:
                    return work(ctx)
            except Conflict:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    @property
    def tracked(self) -> bool:
        """Whether actions are mirrored to a tracker (Jira is configured)."""
        return tracker_configured(self.settings)


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """The Web API client: ``SLACK_API_URL`` may point at a proxy or the emulator; 429s, and failures that cannot
    have done anything (see :mod:`bot.slack_retries`), are retried by slack_sdk before the outbox's own retries."""
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return ObservedWebClient(
        base_url=base_url,
        token=token or settings.slack_bot_token,
        timeout=15,
        retry_handlers=safe_retry_handlers(),
    )


def lock_incident(ctx: Ctx, *, channel: str | None = None, ref: str | None = None) -> None:
    """Queue behind other writers of the same incident (a row lock on PostgreSQL; SQLite serialises writers
    anyway) instead of colliding with them on its version counter. Call first in the unit, before loading it."""
    column, value = (Incident.slack_channel_id, channel) if channel is not None else (Incident.ref, ref)
    ctx.session.execute(select(Incident.id).where(column == value).with_for_update())
