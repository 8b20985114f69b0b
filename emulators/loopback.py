"""An aiohttp app served on 127.0.0.1 from its own thread and event loop, able to go down and come up again.

The port is chosen once, at :meth:`LoopbackServer.start`; ``go_down`` tears the listener and every open connection
down (clients then get "connection refused", also on pooled keep-alive connections) and ``come_up`` listens on the
same port again, so a client configured with the emulator's URL keeps working. The Jira and PagerDuty emulators
are subclasses: they build the app (:meth:`LoopbackServer._app`) and add their own test-facing API.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Coroutine
from typing import Any, Self, TypeVar

from aiohttp import web

T = TypeVar("T")

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


async def _bound_socket(port: int) -> socket.socket:
    """A listening socket on ``port`` (with SO_REUSEADDR, retrying briefly while the port is still held)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for attempt in range(50):
        try:
            sock.bind((HOST, port))
            break
        except OSError:
            if attempt == 49:
                raise
            await asyncio.sleep(0.05)
    sock.listen(128)
    return sock


async def _drain() -> None:
    """Cancel what is still running (webhook workers, delayed handlers) so the loop closes cleanly."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class LoopbackServer:
    """Serves :meth:`_app` on ``127.0.0.1:<port>`` from a daemon thread running its own event loop.

    Subclasses implement :meth:`_app`; they may override :meth:`_server_ssl` (to serve HTTPS) and :meth:`_stopping`
    (called between going down and cancelling the loop's tasks), and extend :meth:`start` (which returns
    once the server listens).
    """

    thread_name = "loopback-server"

    def __init__(self) -> None:
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # what subclasses provide ----------------------------------------------------------------------------------

    def _app(self) -> web.Application:
        """The application to serve; called on the loop each time the server comes up."""
        raise NotImplementedError

    def _server_ssl(self) -> ssl.SSLContext | None:
        """The server TLS context, or None for plain HTTP."""
        return None

    def _stopping(self) -> None:
        """Called by :meth:`stop` once the server is down, before the loop's remaining tasks are cancelled."""

    # lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the loop thread, choose the port and listen on it."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=self.thread_name, daemon=True)
        self._thread.start()
        self.port = free_port()
        self.come_up()
        return self

    def stop(self) -> None:
        """Stop serving, cancel what still runs on the loop, and end the loop thread."""
        if self._loop is None or self._thread is None:
            return
        self.go_down()
        self._stopping()
        self._call(_drain())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the server's loop and wait (at most 10 s) for its result."""
        assert self._loop is not None, "start() the emulator first"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def go_down(self) -> None:
        """Close the listener and all connections: new requests get ECONNREFUSED until :meth:`come_up`."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            self._call(runner.cleanup())

    def come_up(self) -> None:
        """Listen again on the same port (with SO_REUSEADDR, retrying briefly if the port is still held)."""
        if self._runner is None:
            self._runner = self._call(self._open())

    async def _open(self) -> web.AppRunner:
        runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        sock = await _bound_socket(self.port)
        await web.SockSite(runner, sock, ssl_context=self._server_ssl()).start()
        return runner
