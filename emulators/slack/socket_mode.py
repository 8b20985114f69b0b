"""Socket Mode: the /link/ websocket, envelope delivery and ack bookkeeping.

Like Slack, the server says hello, then sends each envelope to one of the app's open connections (an app may
hold several: one per replica) and waits for `{"envelope_id": ...}` (plus an optional payload); after 3 seconds
the delivery counts as failed. Late acks are still recorded on the Ack so tests can see how late they were.

A failed delivery of an Events API envelope (not acked in time, perhaps because its connection dropped) is sent
again, as Slack does, to whichever connection is open then, with ``retry_attempt`` and ``retry_reason``: nearly
at once, then after a minute and after five. Slash commands and interactions are never sent again: the person sees
an error instead and may try again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from emulators.slack.models import Ack
from emulators.slack.state import Workspace

ACK_TIMEOUT_S = 3.0
EVENT_RETRY_DELAYS_S = (0.0, 60.0, 300.0)
"""Waits before each retry of an Events API envelope that was not acked (Slack's schedule for event retries)."""
RETRY_REASON = "timeout"
PING_INTERVAL_S = 0.25
PING_PAYLOAD = b"vigil-emulator-keepalive"


class SocketHub:
    """Open app connections and envelopes awaiting an ack."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.connections: list[web.WebSocketResponse] = []
        self._pending: dict[str, tuple[Ack, float, asyncio.Future[None]]] = {}
        self._round_robin = itertools.count()
        self._retries: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Accept a connection presenting a ticket from apps.connections.open (each ticket works once)."""
        ticket = request.query.get("ticket", "")
        with self.ws.lock:
            valid = ticket in self.ws.socket_tickets
            self.ws.socket_tickets.discard(ticket)
        if not valid:
            return web.Response(status=401, text="invalid_ticket")
        sock = web.WebSocketResponse(autoping=True)
        await sock.prepare(request)
        self.connections.append(sock)
        await sock.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections),
                "debug_info": {
                    "host": "applink-emulator",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.ws.app_id},
            }
        )
        pinger = asyncio.create_task(self._ping(sock))
        try:
            async for message in sock:
                if message.type == WSMsgType.TEXT:
                    self._on_ack(message.data)
        finally:
            pinger.cancel()
            if sock in self.connections:
                self.connections.remove(sock)
        return sock

    @staticmethod
    async def _ping(sock: web.WebSocketResponse) -> None:
        """Ping regularly, as Slack does. slack_sdk's builtin client can only close() between frames (its
        reader holds a lock in a recv with a 3 s timeout), so steady pings keep handler.close() quick.
        The payload matters: that reader blocks for more data whenever a chunk ends with <= 2 bytes left,
        so an empty ping (exactly 2 bytes) arriving after an envelope would stall the envelope."""
        while not sock.closed:
            await asyncio.sleep(PING_INTERVAL_S)
            try:
                await sock.ping(PING_PAYLOAD)
            except ConnectionError:
                return

    def _on_ack(self, data: str) -> None:
        try:
            body = json.loads(data)
        except json.JSONDecodeError:
            return
        entry = self._pending.pop(body.get("envelope_id", ""), None) if isinstance(body, dict) else None
        if entry is None:
            return
        ack, sent_at, done = entry
        ack.ack_ms = (time.monotonic() - sent_at) * 1000
        ack.payload = body.get("payload")
        if not done.done():
            done.set_result(None)

    async def wait_connected(self, timeout: float) -> bool:
        """Give a (re)connecting app a moment before declaring it absent."""
        deadline = time.monotonic() + timeout
        while not self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return bool(self.connections)

    async def deliver(self, envelope_type: str, payload: dict[str, Any], extra: dict[str, Any]) -> Ack:
        """Send one envelope and wait for its ack (or for the 3 s deadline). An Events API envelope that fails
        is sent again later, in the background (see :data:`EVENT_RETRY_DELAYS_S`); this returns the first ack."""
        ack = await self._deliver_once(envelope_type, payload, extra)
        if ack.timed_out and envelope_type == "events_api":
            task = asyncio.create_task(self._retry_event(payload, extra))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
        return ack

    async def _retry_event(self, payload: dict[str, Any], extra: dict[str, Any]) -> None:
        for attempt, delay in enumerate(EVENT_RETRY_DELAYS_S, start=1):
            await asyncio.sleep(delay)
            retry = {**extra, "retry_attempt": attempt, "retry_reason": RETRY_REASON}
            if not (await self._deliver_once("events_api", payload, retry)).timed_out:
                return

    async def _deliver_once(self, envelope_type: str, payload: dict[str, Any], extra: dict[str, Any]) -> Ack:
        envelope_id = str(uuid.uuid4())
        ack = Ack(envelope_id=envelope_id, type=envelope_type)
        with self.ws.lock:
            self.ws.acks.append(ack)
        envelope = {"envelope_id": envelope_id, "payload": payload, "type": envelope_type, **extra}
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[envelope_id] = (ack, time.monotonic(), done)
        if not await self._send_to_one(envelope):
            self._pending.pop(envelope_id, None)
            ack.timed_out = True
            ack.problems.append("no Socket Mode connection")
            return ack
        try:
            await asyncio.wait_for(asyncio.shield(done), ACK_TIMEOUT_S)
        except TimeoutError:
            ack.timed_out = True
        return ack

    async def _send_to_one(self, envelope: dict[str, Any]) -> bool:
        """Hand the envelope to one open connection, taking them in turn; one that turns out to be closing is
        passed over (nothing reached it). False when no connection is open, even after a moment's wait."""
        while await self.wait_connected(2.0):
            open_now = [sock for sock in self.connections if not sock.closed]
            if not open_now:
                return False
            sock = open_now[next(self._round_robin) % len(open_now)]
            try:
                await sock.send_json(envelope)
                return True
            except ConnectionError:
                if sock in self.connections:
                    self.connections.remove(sock)
        return False

    def stop_retries(self) -> None:
        """Forget the event retries still waiting (the emulator is stopping)."""
        for task in self._retries:
            task.cancel()

    async def close_all(self, notify: bool) -> None:
        """Drop every connection; with `notify`, send Slack's disconnect notice first (a clean stop)."""
        for sock in list(self.connections):
            if not sock.closed:
                try:
                    if notify:
                        await sock.send_json({"type": "disconnect", "reason": "refresh_requested"})
                    await sock.close()
                except ConnectionResetError:  # the client hung up while we were closing: it is dropped either way
                    pass
        self.connections.clear()
