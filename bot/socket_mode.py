"""Socket Mode transport: bolt's handler over slack_sdk's builtin client, with Nagle's algorithm turned off.

slack_sdk's builtin client leaves TCP_NODELAY unset on its socket, so under load the kernel holds each small ack
frame back until the previous one is acknowledged (measured: acks at 50 per second waited ~20 ms each, 1.4 ms with
NODELAY). The websocket-client based client sets NODELAY but races its own monitor at start (it opens a second
connection, hitting apps.connections.open's Tier 1 limit), so the builtin client is kept and its socket tuned on
every (re)connect. Its reader starts reading a new connection at the next tick of a 100 ms poll, so the first
envelope after a start or a reconnect (Slack sends at once) waited up to 100 ms in the socket: it polls every
millisecond instead, as the client already does for its queue.

Each envelope is stamped with the time it arrived, on the domain's time source, before it waits in the client's queue
for a worker: that is the time of what the request records (:meth:`incidents.context.Domain.unit`), so requests
that workers take up out of order still land on the timeline in the order Slack sent them.
"""

from __future__ import annotations

import socket
import time
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_bolt.request import BoltRequest
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.interval_runner import IntervalRunner
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.context import RECEIVED_AT
from bot.metrics import request_kind
from incidents.observability import observer, scope
from incidents.timesource import TimeSource


class _Arrived(str):
    """An envelope as read off the socket, stamped with when (``perf_counter``): it waits in the client's queue
    before a worker takes it, and that wait is part of the ack's latency."""

    at: float
    received: datetime
    """The same moment on the domain's time source."""


SESSION_POLL_S = 0.001
"""How often the reader looks for a new connection to read (slack_sdk's 0.1 s delayed every first envelope); only
while there is none, as a connected reader blocks on its socket."""


READER_STOP_POLL_S = 0.05
"""How often a close tells the reader again that its session has ended, until it has."""


class NoDelaySocketModeClient(SocketModeClient):
    def __init__(self, *, time_source: TimeSource, **kwargs: Any) -> None:
        self.time_source = time_source
        super().__init__(**kwargs)
        self.current_session_runner.event.set()  # the builtin runner stops (it finds no connection to read yet)
        self.current_session_runner = IntervalRunner(self._run_current_session, SESSION_POLL_S).start()

    def connect(self) -> None:
        super().connect()
        sock = self.current_session.sock if self.current_session is not None else None
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        """Close at once, and for sure. slack_sdk marks the session ended and then disconnects, and a reader polling
        every millisecond could start reading the closing connection in between and mark it running again, so the
        close waited for it forever. The reader is stopped first, told again until it has ended, and only then does
        slack_sdk close the rest. Its message processor waits up to a second on its queue before it sees the client
        closed, which held every stop (a deploy, a test) for that second: an empty message wakes it."""
        self.closed = True
        self.auto_reconnect_enabled = False
        self.message_queue.put(None)
        reader = self.current_session_runner
        reader.event.set()
        self.disconnect()
        while reader.is_alive():
            self.current_session_state.terminated = True
            reader.thread.join(READER_STOP_POLL_S)
        super().close()

    def enqueue_message(self, message: str) -> None:
        stamped = _Arrived(message)
        stamped.at = time.perf_counter()
        stamped.received = self.time_source.now()
        super().enqueue_message(stamped)

    def run_message_listeners(self, message: dict[str, Any], raw_message: str) -> None:
        """Runs the listeners (the last sends the ack) with the envelope id on log lines, then reports the ack."""
        envelope = message.get("envelope_id")
        with scope(request=str(envelope)) if envelope else scope():
            super().run_message_listeners(message, raw_message)
        if envelope and isinstance(raw_message, _Arrived):
            observer().acked(request_kind(message.get("payload") or {}), time.perf_counter() - raw_message.at)


class SocketModeHandler(BaseSocketModeHandler):
    """Runs each envelope through the bolt app and sends its ack back (as bolt's own builtin handler does)."""

    client: NoDelaySocketModeClient

    def __init__(self, app: App, app_token: str, *, concurrency: int, time_source: TimeSource) -> None:
        self.app = app
        self.client = NoDelaySocketModeClient(
            time_source=time_source,
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=10,  # bolt's default
            concurrency=concurrency,
        )
        self.client.message_listeners.append(self._envelope)  # given the raw envelope, with its arrival stamp

    def _envelope(self, client: BaseSocketModeClient, message: dict[str, Any], raw_message: str | None) -> None:
        req = SocketModeRequest.from_dict(message)
        if req is not None:
            self.handle(client, req, received=raw_message.received if isinstance(raw_message, _Arrived) else None)

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest, received: datetime | None = None) -> None:
        started = time.time()
        request = BoltRequest(
            mode="socket_mode",
            body=req.payload,
            headers=build_headers(req),
            context={RECEIVED_AT: received} if received is not None else None,
        )
        send_response(client, req, self.app.dispatch(request), started)
