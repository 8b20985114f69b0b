"""What listeners share, and the Web API client every part of the bot uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.metrics import ObservedWebClient
from bot.slack_retries import safe_retry_handlers
from incidents.context import Domain
from incidents.settings import Settings
from incidents.tracker import tracker_configured

RECEIVED_AT = "vigil_received_at"
"""Where the transports (:mod:`bot.socket_mode`, :mod:`bot.http`) leave, in a request's bolt context, the moment
Vigil received it; bolt copies it to the request's lazy listeners."""


def received_at(context: Mapping[str, Any]) -> datetime | None:
    """When Vigil received the request whose bolt ``context`` this is (None when no transport said)."""
    value = context.get(RECEIVED_AT)
    return value if isinstance(value, datetime) else None


@dataclass
class Vigil:
    """What listeners share: the domain (whose :meth:`~incidents.context.Domain.unit` and
    :meth:`~incidents.context.Domain.run` every listener's work goes through) and settings."""

    domain: Domain
    settings: Settings

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
