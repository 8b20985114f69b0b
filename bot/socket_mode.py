"""Socket Mode transport: bolt's handler over slack_sdk's builtin client, with Nagle's algorithm turned off.

slack_sdk's builtin client leaves TCP_NODELAY unset on its socket, so under load the kernel holds each small ack
frame back until the previous one is acknowledged (measured: acks at 50 per second waited ~20 ms each, 1.4 ms with
NODELAY). The websocket-client based client sets NODELAY but races its own monitor at start (it opens a second
connection, hitting apps.connections.open's Tier 1 limit), so the builtin client is kept and its socket tuned on
every (re)connect.
"""

from __future__ import annotations

import socket
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest


class NoDelaySocketModeClient(SocketModeClient):
    def connect(self) -> None:
        super().connect()
        sock = self.current_session.sock if self.current_session is not None else None
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class SocketModeHandler(BaseSocketModeHandler):
    """Runs each envelope through the bolt app and sends its ack back (as bolt's own builtin handler does)."""

    client: NoDelaySocketModeClient

    def __init__(self, app: App, app_token: str, *, concurrency: int) -> None:
        self.app = app
        self.client = NoDelaySocketModeClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=10,  # bolt's default
            concurrency=concurrency,
        )
        self.client.socket_mode_request_listeners.append(self.handle)

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        started = time.time()
        send_response(client, req, run_bolt_app(self.app, req), started)
