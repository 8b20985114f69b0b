"""Vigil's Slack side in one process: the Web API client, the bolt app with its listeners, the outbox handlers that
deliver to Slack, and a Socket Mode connection when asked for one.

Only Slack's part: which other handlers the dispatcher runs (Jira, paging, signals) and how the process is started
and served are the composition root's (:mod:`vigil.assembly`), so a second chat adapter or a process without Slack
is assembled there, beside this one, without touching it.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.app import build_app
from bot.context import web_client
from bot.nudges import nudge_handlers
from bot.people import PeopleDirectory
from bot.review_port import ReviewPort
from bot.slack_only import for_incidents_in_slack
from bot.slack_port import SlackPort
from bot.socket_mode import SocketModeHandler
from bot.triage import triage_handlers
from incidents.context import Domain
from incidents.dispatcher import Handler
from incidents.outbox import Topic
from incidents.reviews import ReviewTemplates
from incidents.settings import Settings

SOCKET_MODE_THREADS = 16


class SlackAdapter:
    """Built from the settings (``client`` replaces the Web API client they describe); building it asks Slack who
    the bot is, so a refused token or an unreachable Slack raises here (``BoltError``, ``SlackApiError``,
    ``OSError``)."""

    def __init__(
        self, settings: Settings, domain: Domain, templates: ReviewTemplates, *, client: WebClient | None = None
    ) -> None:
        self.settings, self.domain = settings, domain
        self.client = client or web_client(settings)
        self.people = PeopleDirectory(self.client, domain)
        self.port = SlackPort(self.client, domain, settings, self.people)
        self._reviews = ReviewPort(self.client, domain, settings, templates, self.people)
        self.app = build_app(settings, domain, client=self.client)
        self.port.learn_identity()
        self._socket: SocketModeHandler | None = None

    def incident_handlers(self) -> dict[Topic, Handler]:
        """What Slack delivers about incidents (cards, channels, reviews, nudges), each skipping the incidents Slack
        does not hear of (:mod:`bot.slack_only`)."""
        slack = {
            **self.port.handlers(),
            **self._reviews.handlers(),
            **nudge_handlers(self.client, self.domain, self.settings),
        }
        return for_incidents_in_slack(self.domain, slack)

    def triage_handlers(self) -> dict[Topic, Handler]:
        """What Slack delivers about groups of signals, which are about no incident."""
        return triage_handlers(self.client, self.domain, self.settings)

    def socket_mode(self) -> SocketModeHandler:
        """A Socket Mode connection (``connect()`` for background, ``start()`` to block)."""
        assert self.settings.slack_app_token, "SLACK_APP_TOKEN is required for Socket Mode"
        self._socket = SocketModeHandler(
            self.app,
            self.settings.slack_app_token,
            concurrency=SOCKET_MODE_THREADS,
            time_source=self.domain.time_source,
        )
        return self._socket

    def disconnect(self) -> None:
        """Close the Socket Mode connection, if any: Slack sends new requests to the replicas still connected."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def close(self) -> None:
        self.port.close()
