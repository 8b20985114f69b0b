"""Run the FastAPI app under uvicorn in a background thread: for ``vigil serve --http``, the demo and tests."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

GRACE_S = 10
"""How long a stopping server waits for requests under way, once it has stopped accepting new ones."""


class WebServer:
    """A uvicorn server bound to ``host:port`` (port 0 picks a free one), started and stopped from another thread.
    Stopping (or, serving in the main thread, SIGTERM) closes the listening socket first, then lets requests under
    way finish for up to :data:`GRACE_S`."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            app,
            log_level="warning",
            log_config=None,  # uvicorn's lines go to the root logger, in Vigil's format (JSON or text)
            lifespan="on",
            access_log=False,
            timeout_graceful_shutdown=GRACE_S,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> WebServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("web server did not start")
            time.sleep(0.01)
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted or sent SIGTERM (``vigil serve --http``); uvicorn then raises
        the signal again for the handler that was there before it."""
        self._server.run(sockets=[self._socket])

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
