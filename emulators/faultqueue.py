"""What the emulators' fault middlewares share: the queue of scripted faults, the request log, hanging up.

Each emulator defines its own ``Fault`` and ``RequestRecord`` and how the next fault is chosen (``pop``); the queue,
its lock and the log are kept here.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Generic, NoReturn, TypeVar

from aiohttp import web

F = TypeVar("F")
R = TypeVar("R")


class FaultQueue(Generic[F, R]):
    """Thread-safe queue of faults (of type ``F``) and request log (of ``R``), shared by the test thread and the
    middleware on the emulator's loop. Subclasses add ``pop``, under ``self._lock``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[F] = []
        self.requests: list[R] = []

    def push(self, fault: F, count: int) -> None:
        """Queue ``count`` copies of a fault behind any already queued."""
        with self._lock:
            self._queue.extend([fault] * count)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._queue.clear()

    def log(self, record: R) -> None:
        """Append to the request log."""
        with self._lock:
            self.requests.append(record)


def hang_up(request: web.Request) -> NoReturn:
    """Close the connection without answering (the request has been served: its answer is lost)."""
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError()
