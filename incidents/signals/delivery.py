"""The signals' own outbox handlers: domain work delivered after the reports' own units of work, so that a wave's
reports are counted together: the coalesced timeline note (one entry, not one per report) and the threshold check
(the reports of several replicas, not only those one unit saw)."""

from __future__ import annotations

from incidents.context import Domain
from incidents.dispatcher import Handler
from incidents.outbox import OutboxMessage, Topic
from incidents.signals.triage import check_threshold, declare_on_threshold, note_signals


def signal_handlers(domain: Domain) -> dict[Topic, Handler]:
    def note(message: OutboxMessage) -> None:
        note_signals(domain, int(message.payload["group_id"]))

    def check(message: OutboxMessage) -> None:
        domain.run(lambda ctx: check_threshold(ctx, int(message.payload["group_id"])))

    def declare(message: OutboxMessage) -> None:
        domain.run(lambda ctx: declare_on_threshold(ctx, int(message.payload["group_id"])))

    return {Topic.SIGNALS_NOTE: note, Topic.SIGNALS_CHECK: check, Topic.SIGNALS_DECLARE: declare}


def signal_handlers_only(domain: Domain) -> dict[Topic, Handler]:
    """:func:`signal_handlers`, and every other topic delivered to nothing: for a dispatcher that runs the signals'
    own work where no chat or pager is connected (the benches' replicas, tests), so that their rows are taken off
    the queue instead of retried."""
    return {topic: _dropped for topic in Topic} | signal_handlers(domain)


def _dropped(_message: OutboxMessage) -> None:
    return None
