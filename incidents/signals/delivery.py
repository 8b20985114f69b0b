"""The signals' own outbox handlers: domain work delivered after the reports' own units of work, so that a wave's
reports are counted together: the coalesced timeline note (one entry, not one per report) and the threshold check
(the reports of several replicas, not only those one unit saw)."""

from __future__ import annotations

from incidents.context import Domain
from incidents.dispatcher import Handler
from incidents.outbox import OutboxMessage, Topic
from incidents.signals.triage import check_threshold, note_signals


def signal_handlers(domain: Domain) -> dict[Topic, Handler]:
    def note(message: OutboxMessage) -> None:
        domain.run(lambda ctx: note_signals(ctx, int(message.payload["group_id"])))

    def check(message: OutboxMessage) -> None:
        domain.run(lambda ctx: check_threshold(ctx, int(message.payload["group_id"])))

    return {Topic.SIGNALS_NOTE: note, Topic.SIGNALS_CHECK: check}
