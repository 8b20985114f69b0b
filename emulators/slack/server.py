"""The aiohttp server and the background thread + event loop it runs on.

Tests call the emulator from their own (synchronous) thread while slack_sdk talks to it over loopback,
so the server owns a private loop; `submit()` hands coroutines to it from any thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from emulators.slack.http_mode import SlackSender
from emulators.slack.routes import Routes
from emulators.slack.socket_mode import SocketHub
from emulators.slack.web import WebApi

if TYPE_CHECKING:
    from emulators.slack.console import Console

T = TypeVar("T")


class EmulatorServer:
    """One port serving the Web API (/api/), Socket Mode (/link/), response_urls, uploads, OIDC and the console."""

    def __init__(self, web_api: WebApi, routes: Routes, hub: SocketHub, host: str, port: int) -> None:
        self.web_api, self.routes, self.hub = web_api, routes, hub
        self.host, self.port = host, port
        self.loop = asyncio.new_event_loop()
        self.sender: SlackSender | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, name="slack-emulator", daemon=True)
        self.console: Console | None = None

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self.web_api.handle)
        app.router.add_get("/link/", self.hub.handle)
        app.router.add_post("/response_url/{team}/{key}", self.routes.response_url)
        app.router.add_post("/upload/v1/{key}", self.routes.upload)
        app.router.add_get("/openid/connect/authorize", self.routes.authorize)
        app.router.add_get("/openid/connect/keys", self.routes.jwks)
        app.router.add_get("/.well-known/openid-configuration", self.routes.openid_configuration)
        if self.console is not None:
            self.console.add_routes(app.router)
        return app

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run a coroutine on the server loop; the returned future is safe to wait on from any thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def start(self) -> None:
        """Start the loop thread and bind the port (0 → a free one, remembered for come_up())."""
        self._thread.start()
        self.submit(self._start()).result(timeout=10)

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._app(), handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen()
        self.port = self._runner.addresses[0][1]
        self.sender = SlackSender()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await self._site.start()

    def go_down(self) -> None:
        """Close the listening socket and the websockets: new connections are refused."""
        self.submit(self._go_down()).result(timeout=10)

    async def _go_down(self) -> None:
        self.web_api.down = True
        if self._site is not None:
            await self._site.stop()
            self._site = None
        await self.hub.close_all(notify=False)

    def come_up(self) -> None:
        """Listen again on the same port."""
        self.submit(self._come_up()).result(timeout=10)

    async def _come_up(self) -> None:
        if self._site is None:
            await self._listen()
        self.web_api.down = False

    def stop(self) -> None:
        """Disconnect apps, shut the server and end the loop thread."""
        if not self._thread.is_alive():
            return
        self.submit(self._stop()).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()

    async def _stop(self) -> None:
        self.hub.stop_retries()
        await self.hub.close_all(notify=True)
        if self.sender is not None:
            await self.sender.close()
        if self._runner is not None:
            await self._runner.cleanup()
