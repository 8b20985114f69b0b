"""Deduplicated outbox messages: one delivery per burst of changes, but never a change lost to a delivery that
was already under way when it was committed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from incidents.context import Domain
from incidents.dispatcher import Dispatcher
from incidents.outbox import OutboxMessage, Topic, enqueue
from incidents.timesource import ManualTime

TOPIC = Topic.INCIDENT_CHANGED


def _rows(domain: Domain) -> list[OutboxMessage]:
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_due_message_absorbs_later_ones(domain: Domain, time_source: ManualTime) -> None:
    with domain.unit() as ctx:
        enqueue(ctx.session, TOPIC, now=time_source.now(), once_for="k")
        enqueue(ctx.session, TOPIC, now=time_source.now(), once_for="k")
    assert len(_rows(domain)) == 1


def test_change_during_delivery_gets_its_own_message(domain: Domain, time_source: ManualTime) -> None:
    seen: list[int] = []

    def handler(message: OutboxMessage) -> None:
        if not seen:
            with domain.unit() as ctx:  # a change committed while this delivery is in flight
                enqueue(ctx.session, TOPIC, now=time_source.now(), once_for="k")
        seen.append(message.id)

    with domain.unit() as ctx:
        enqueue(ctx.session, TOPIC, now=time_source.now(), once_for="k")
    dispatcher = Dispatcher(domain.factory, {TOPIC: handler}, time_source, lease=timedelta(seconds=60))
    dispatcher.drain()
    assert len(seen) == 2
    assert [r.state for r in _rows(domain)] == ["done", "done"]
