"""Delivering ``Topic.SIGNALS_TRIAGE``: a signal group's one post in the triage channel, kept current.

The first delivery for a group claims the post under the group's lock (:func:`incidents.signals.posts.
claim_triage_post`), posts it tagged with :func:`bot.ids.triage_posting`, and records its ts; later deliveries
edit it. A delivery that finds another one posting waits for its ts; a redelivery (or one that takes over a dead
holder's claim) first looks for the tagged post, so a lost answer or a crash never posts the group twice. Runs of
one group on this replica are serialised, so edits land in the order their renderings were read. With no triage
channel configured there is nothing to do.
"""

from __future__ import annotations

import threading
from datetime import datetime

from slack_sdk import WebClient

from bot.blocks.card import Rendered
from bot.blocks.triage import triage_post
from bot.delivery import REDELIVERY_LOOKBACK_S, Tag, post_once, retry_window, slack_call
from bot.ids import triage_posting
from incidents.context import Domain
from incidents.dispatcher import Handler, RetryLater
from incidents.outbox import OutboxMessage, Topic
from incidents.settings import Settings
from incidents.signals.models import GroupState
from incidents.signals.posts import TriageSlot, claim_triage_post, record_triage_post, shown_for_triage
from incidents.signals.queries import group_view

WAIT_FOR_POSTER_S = 1.0
LOCK_STRIPES = 64
"""Deliveries of one group run one at a time (so do a few unrelated ones sharing its stripe): a lock per group
would grow with every group ever seen."""


def triage_handlers(client: WebClient, domain: Domain, settings: Settings) -> dict[Topic, Handler]:
    return {Topic.SIGNALS_TRIAGE: TriagePoster(client, domain, settings)}


class TriagePoster:
    def __init__(self, client: WebClient, domain: Domain, settings: Settings) -> None:
        self.client, self.domain, self.settings = client, domain, settings
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def __call__(self, message: OutboxMessage) -> None:
        channel = self.settings.triage_channel
        if not channel:
            return
        group_id = int(message.payload["group_id"])
        with self._locks[group_id % LOCK_STRIPES]:
            self._deliver(message, group_id, channel)

    def _deliver(self, message: OutboxMessage, group_id: int, channel: str) -> None:
        with self.domain.unit() as ctx:
            view = group_view(ctx, group_id)
            rendered = triage_post(view)
            if view.state is not GroupState.WAITING and not shown_for_triage(ctx, group_id):
                return  # decided before anyone was shown it: nothing to triage
            slot = claim_triage_post(ctx, group_id, channel, holder=message.id)
        if slot.ts is not None:
            with slack_call("chat.update"):
                self.client.chat_update(channel=slot.channel, ts=slot.ts, **rendered.as_kwargs())
            return
        if not slot.claimed:
            raise RetryLater("another delivery is posting this group", after=WAIT_FOR_POSTER_S, counts=False)
        self._post(message, group_id, slot, rendered)

    def _post(self, message: OutboxMessage, group_id: int, slot: TriageSlot, rendered: Rendered) -> None:
        since = _since(message, slot.taken_over)
        posted = post_once(
            self.client, slot.channel, Tag(None, triage_posting(group_id)), since=since, **rendered.as_kwargs()
        )
        if posted.found:  # an earlier try's post, showing what that try rendered
            with slack_call("chat.update"):
                self.client.chat_update(channel=posted.channel, ts=posted.ts, **rendered.as_kwargs())
        with self.domain.unit() as ctx:
            record_triage_post(ctx, group_id, posted.channel, posted.ts)


def _since(message: OutboxMessage, taken_over: datetime | None) -> float | None:
    """From when to look for a post an earlier try made: this row's own earlier tries, or a dead holder's."""
    windows = [w for w in (retry_window(message),) if w is not None]
    if taken_over is not None:
        windows.append(taken_over.timestamp() - REDELIVERY_LOOKBACK_S)
    return min(windows) if windows else None
