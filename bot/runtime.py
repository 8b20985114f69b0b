"""The running bot: the bolt app, the Slack outbox handlers and the dispatcher thread that delivers them.

``vigil serve``, ``vigil demo``, the tests and the benchmarks all assemble the bot through :class:`Runtime`, so
they exercise the same wiring.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

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
from incidents.dispatcher import LEASE, Backoff, Dispatcher
from incidents.outbox import OutboxMessage
from incidents.paging import build_pager, paging_handlers
from incidents.paging.delivery import Pager
from incidents.reviews import load_templates
from incidents.settings import Settings
from incidents.signals.delivery import signal_handlers
from incidents.timesource import SystemTime, TimeSource
from incidents.tracker import build_sync, tracker_handlers

log = logging.getLogger(__name__)

SOCKET_MODE_THREADS = 16


class Runtime:
    def __init__(
        self,
        settings: Settings,
        domain: Domain,
        *,
        clock: TimeSource | None = None,
        backoff: Backoff | None = None,
        lease: timedelta = LEASE,
        client: WebClient | None = None,
        pager: Pager | None = None,
    ) -> None:
        """``client`` and ``pager`` replace the Slack client and the paging handlers built from the settings."""
        self.settings, self.domain = settings, domain
        self.templates = load_templates(settings.templates_dir)  # a broken template stops start-up (ConfigError)
        self.client = client or web_client(settings)
        people = PeopleDirectory(self.client, domain)
        self.port = SlackPort(self.client, domain, settings, people)
        self.tracker_sync = build_sync(domain, settings)
        handlers = for_incidents_in_slack(
            domain,
            {
                **self.port.handlers(),
                **ReviewPort(self.client, domain, settings, self.templates, people).handlers(),
                **nudge_handlers(self.client, domain, settings),
            },
        )
        handlers |= tracker_handlers(self.tracker_sync)
        handlers |= signal_handlers(domain)  # domain work, about no incident Slack must have heard of
        handlers |= triage_handlers(self.client, domain, settings)  # posts about groups, not incidents
        self.pager = pager or build_pager(domain, settings)
        handlers |= paging_handlers(domain, self.pager)
        self.dispatcher = Dispatcher(
            domain.factory,
            handlers,
            clock or SystemTime(),
            backoff=backoff or Backoff(),
            lease=lease,
            on_give_up=self._gave_up,
        )
        domain.poke = self.dispatcher.poke  # every way in (Slack, API, webhook, scheduler) delivers on commit
        self.app = build_app(settings, domain, client=self.client)
        self.port.learn_identity()
        self._thread: threading.Thread | None = None
        self._socket: SocketModeHandler | None = None

    def _gave_up(self, message: OutboxMessage, error: str) -> None:
        log.error("gave up on %s #%s: %s", message.topic, message.id, error)
        if self.tracker_sync is not None:
            self.tracker_sync.on_give_up(message, error)

    def start_dispatcher(self, poll: float = 1.0) -> None:
        self._thread = threading.Thread(
            target=self.dispatcher.run_forever, kwargs={"poll": poll}, name="vigil-outbox", daemon=True
        )
        self._thread.start()

    def stop_dispatcher(self) -> None:
        self.dispatcher.stop()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def socket_mode(self) -> SocketModeHandler:
        """A Socket Mode connection (``connect()`` for background, ``start()`` to block)."""
        assert self.settings.slack_app_token, "SLACK_APP_TOKEN is required for Socket Mode"
        self._socket = SocketModeHandler(
            self.app, self.settings.slack_app_token, concurrency=SOCKET_MODE_THREADS, clock=self.domain.clock
        )
        return self._socket

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self.stop_dispatcher()
        self.port.close()
        if self.pager is not None:
            self.pager.close()
