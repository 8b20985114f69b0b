"""The incident channel's topic, kept up to date without spending Slack's Tier 2 budget on every change.

``conversations.setTopic`` allows about 20 calls a minute for the whole workspace, and a busy incident changes
many times a minute. So the topic is never sent from the change itself: a change queues one coalesced
``incident.topic`` row, whose delivery sends the incident's topic as it is *then*, not at all when Slack already
shows it, and at most once per interval per channel. The time of the last send is kept in the database, so
replicas take turns and a restart does not reset the interval.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.blocks import card as cards
from bot.delivery import incident_by_id, remember_step, slack_call
from bot.ids import PostingKind
from incidents.context import Domain
from incidents.dispatcher import RetryLater
from incidents.outbox import OutboxMessage, Topic, enqueue
from incidents.postings import find_posting, record_posting

SENT_AT = "topic-sent-at"
"""The posting that holds when the channel's topic was last sent (``external_id``: a Unix time)."""


class TopicKeeper:
    def __init__(self, client: WebClient, domain: Domain, interval_s: float) -> None:
        self.client, self.domain, self.interval_s = client, domain, interval_s

    def queue(self, incident_id: int) -> None:
        """Ask for the topic to be brought up to date (one waiting request per incident is enough)."""
        with self.domain.unit() as ctx:
            enqueue(ctx.session, Topic.CHANNEL_TOPIC, now=ctx.now(), incident_id=incident_id, once_for=incident_id)

    def deliver(self, message: OutboxMessage) -> None:
        """The ``incident.topic`` handler: waits (without counting it as a failure) for the channel's turn."""
        assert message.incident_id is not None
        wait = self.sync(message.incident_id)
        if wait is not None:
            raise RetryLater("the channel's topic changed moments ago", after=wait, counts=False)

    def sync(self, incident_id: int) -> float | None:
        """Send the incident's current topic if Slack shows another one. Returns the seconds to wait instead
        when the channel's topic was sent less than an interval ago (someone else may be sending it now)."""
        with self.domain.unit() as ctx:
            incident = incident_by_id(ctx, incident_id)
            channel, topic = incident.slack_channel_id, cards.topic(incident)
            shown = find_posting(ctx, incident_id, PostingKind.TOPIC)
            if channel is None or (shown is not None and shown.external_id == cards.digest(topic)):
                return None
            now = ctx.now().timestamp()
            sent = find_posting(ctx, incident_id, SENT_AT, for_update=True)
            if sent is not None and float(sent.external_id) + self.interval_s > now:
                return float(sent.external_id) + self.interval_s - now
            if sent is None:
                record_posting(ctx, incident_id, SENT_AT, channel, _stamp(ctx.now()))
            else:
                sent.external_id = _stamp(ctx.now())  # this channel's turn is taken until the interval passes
        with slack_call("conversations.setTopic"):
            self.client.conversations_setTopic(channel=channel, topic=topic)
        remember_step(self.domain, incident_id, PostingKind.TOPIC, channel, cards.digest(topic))
        return None


def _stamp(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"
