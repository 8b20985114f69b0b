"""A webhook endpoint for the emulators' webhook tests: records what it is sent and answers as told."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar


class Receiver(ThreadingHTTPServer):
    """Records headers and raw bodies; answers the queued ``statuses`` first, then ``status``."""

    def __init__(self, path: str = "/hook") -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.path = path
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.status = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.path}"


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), raw))
        self.send_response(self.server.statuses.pop(0) if self.server.statuses else self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""


R = TypeVar("R", bound=Receiver)


@contextmanager
def serving(server: R) -> Iterator[R]:
    """Serve ``server`` from a thread until the block ends, then shut it down and close it."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
