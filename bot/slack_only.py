"""Slack's side of the bot delivers nothing about an incident Slack does not hear of: one declared from the
terminal and not provisioned since (:mod:`incidents.provisioning`). Such a message is done, as if delivered, so
nothing about it is retried or sent later: provisioning opens the channel with the incident as it is by then."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from incidents.context import Domain
from incidents.dispatcher import Handler
from incidents.outbox import OutboxMessage, Topic
from incidents.provisioning import slack_hears_of


def for_incidents_in_slack(domain: Domain, handlers: Mapping[Topic, Handler]) -> dict[Topic, Handler]:
    """The same handlers, each skipping messages about incidents Slack does not hear of."""
    return {topic: _only_in_slack(domain, handler) for topic, handler in handlers.items()}


def _only_in_slack(domain: Domain, handler: Handler) -> Handler:
    @functools.wraps(handler)
    def deliver(message: OutboxMessage) -> None:
        with domain.unit() as ctx:
            heard = slack_hears_of(ctx, message.incident_id)
        if heard:
            handler(message)

    return deliver
