"""A Vigil process's outbox side, built from the settings: the Slack adapter and the dispatcher thread that
delivers every outbox row through its handler — Slack's (:mod:`bot.adapter`), Jira's (:mod:`incidents.tracker`),
the pager's (:mod:`incidents.paging`) and the signals' own domain work (:mod:`incidents.signals.delivery`).

``vigil serve``, ``vigil try``, ``vigil demo``, the tests and the benchmarks all assemble the process through
:class:`Runtime`, so they exercise the same wiring; :mod:`vigil.process` runs it with the scheduler and the HTTP
server, :mod:`vigil.http_app` builds what that server answers.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from slack_sdk import WebClient

from bot.adapter import SlackAdapter
from bot.record_anchor import anchor_handlers
from bot.socket_mode import SocketModeHandler
from incidents.context import Domain
from incidents.dispatcher import LEASE, Backoff, Dispatcher
from incidents.outbox import OutboxMessage
from incidents.paging.delivery import Pager
from incidents.paging.wiring import build_pager, paging_handlers
from incidents.reviews import load_templates
from incidents.settings import Settings
from incidents.signals.delivery import signal_handlers
from incidents.timesource import SystemTime, TimeSource
from incidents.tracker import build_sync, tracker_handlers

log = logging.getLogger(__name__)


class Runtime:
    def __init__(
        self,
        settings: Settings,
        domain: Domain,
        *,
        time_source: TimeSource | None = None,
        backoff: Backoff | None = None,
        lease: timedelta = LEASE,
        client: WebClient | None = None,
        pager: Pager | None = None,
    ) -> None:
        """``client`` and ``pager`` replace the Slack client and the paging handlers built from the settings."""
        self.settings, self.domain = settings, domain
        self.templates = load_templates(settings.templates_dir)  # a broken template stops start-up (ConfigError)
        self.slack = SlackAdapter(settings, domain, self.templates, client=client)
        self.client, self.port, self.app = self.slack.client, self.slack.port, self.slack.app
        self.tracker_sync = build_sync(domain, settings)
        handlers = self.slack.incident_handlers()
        handlers |= tracker_handlers(self.tracker_sync)
        handlers |= signal_handlers(domain)  # domain work, about no incident Slack must have heard of
        handlers |= self.slack.triage_handlers()  # posts about groups, not incidents
        self.pager = pager or build_pager(domain, settings)
        handlers |= paging_handlers(domain, self.pager)
        handlers |= anchor_handlers(self.client, domain, settings)  # the record's checkpoints, posted
        self.dispatcher = Dispatcher(
            domain.factory,
            handlers,
            time_source or SystemTime(),
            backoff=backoff or Backoff(),
            lease=lease,
            on_give_up=self._gave_up,
        )
        domain.poke = self.dispatcher.poke  # every way in (Slack, API, webhook, scheduler) delivers on commit
        self._thread: threading.Thread | None = None

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
        return self.slack.socket_mode()

    def stop(self) -> None:
        self.slack.disconnect()
        self.stop_dispatcher()
        self.slack.close()
        if self.pager is not None:
            self.pager.close()
