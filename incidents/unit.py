"""The rules every unit of work follows, whichever way the request came in (Slack, the API, Jira's webhook, the
CLI, the scheduler): queue on the incident's row instead of colliding with other writers, try again (after a short,
jittered pause) when another writer got there first, and know whether the unit queued side effects to deliver.

:meth:`incidents.context.Domain.run` applies them; this module holds the pieces so that each has one home.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, object_session

from incidents.models import Incident
from incidents.outbox import OutboxMessage

if TYPE_CHECKING:
    from incidents.context import Ctx

ATTEMPTS = 5
"""How many times :meth:`~incidents.context.Domain.run` tries a unit before the conflict reaches the caller."""

PAUSE = 0.02
"""The first retry waits up to this many seconds; each later one up to twice as long as the one before."""

_QUEUED = "vigil_queued_deliveries"
_TRY_AGAIN_STATES = frozenset({"40001", "40P01"})
"""PostgreSQL's serialization failure and deadlock: the transaction was rolled back and may simply run again."""


def lock_incident(ctx: Ctx, *, channel: str | None = None, ref: str | None = None) -> None:
    """Queue behind other writers of the same incident (a row lock on PostgreSQL; SQLite serialises writers
    anyway) instead of colliding with them on its version counter. Call first in the unit, before loading it."""
    column, value = (Incident.slack_channel_id, channel) if channel is not None else (Incident.ref, ref)
    ctx.session.execute(select(Incident.id).where(column == value).with_for_update())


def pause_before(attempt: int) -> float:
    """Seconds to wait before trying ``attempt`` (2, 3, ...) again: full jitter, so writers that collided once
    do not collide again in step."""
    return random.uniform(0, PAUSE * 2 ** max(0, attempt - 2))


def worth_retrying(exc: DBAPIError) -> bool:
    """Whether the database rolled the transaction back only because of another one running at the same time."""
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state in _TRY_AGAIN_STATES


def queued_deliveries(session: Session) -> bool:
    """Whether ``session`` wrote outbox rows (side effects the dispatcher should deliver as soon as it commits)."""
    return bool(session.info.get(_QUEUED))


@event.listens_for(OutboxMessage, "after_insert")
def _remember_queued(_mapper: Any, _connection: Any, message: OutboxMessage) -> None:
    session = object_session(message)
    if session is not None:
        session.info[_QUEUED] = True
