"""Jira Service Management's outgoing webhooks (a "Webhook" integration in JSM Operations), as JSM sends them.

Each alert action (``Create``, ``Acknowledge``, ``Close``) goes to every webhook integration that forwards that
action, as JSM's alert action data: ``source``, ``alert`` (``alertId``, ``alias``, ``message``, ``username``,
``tinyId``, ``updatedAt`` in nanoseconds, ``createdAt`` in milliseconds...), ``action``, ``integrationId`` and
``integrationName``. JSM signs nothing: an integration authenticates itself to its receiver with the custom headers
it is given, sent with every call. Delivery (in order, retried) is PagerDuty's webhooks' own
(:class:`~emulators.pagerduty.webhooks.WebhookDeliverer`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping

from emulators.pagerduty.jsm_state import JsmChange, JsmState
from emulators.pagerduty.webhooks import DEFAULT_RETRY_DELAYS, Subscription, WebhookDeliverer

ACTIONS = ("Create", "Acknowledge", "Close")


def build_body(change: JsmChange, integration: Subscription, name: str) -> bytes:
    """The alert action data JSM posts for ``change`` to the webhook integration ``integration``."""
    alert = change.alert
    data = {
        "source": change.source,
        "alert": {
            "updatedAt": int(alert.updated_at.timestamp() * 1_000_000) * 1000,
            "tags": list(alert.tags),
            "message": alert.message,
            "username": change.username,
            "alertId": alert.id,
            "source": alert.source,
            "alias": alert.alias,
            "tinyId": alert.tiny_id,
            "createdAt": int(alert.created_at.timestamp() * 1000),
            "userId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"jsm-user:{change.username}")),
            "entity": alert.entity,
        },
        "action": change.action,
        "integrationId": integration.id,
        "integrationName": name,
    }
    return json.dumps(data).encode()


class JsmWebhooks(WebhookDeliverer):
    """JSM's webhook integrations and what they send."""

    def __init__(self, state: JsmState, retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS) -> None:
        super().__init__(retry_delays)
        self.names: dict[str, str] = {}
        state.listeners.append(self.on_change)

    def subscribe(self, url: str, headers: Mapping[str, str], actions: Iterable[str] | None, name: str) -> Subscription:
        """A webhook integration posting ``actions`` (default: all) to ``url`` with ``headers``."""
        chosen = tuple(actions) if actions is not None else ACTIONS
        integration = Subscription(str(uuid.uuid4()), url, [], chosen, headers=dict(headers))
        self.names[integration.id] = name
        return self.add(integration)

    def on_change(self, change: JsmChange) -> None:
        """State listener (called under the state lock): render now, deliver later."""
        for integration in [s for s in self.subscriptions if change.action in s.events]:
            self.queue(integration, change.action, build_body(change, integration, self.names[integration.id]))
