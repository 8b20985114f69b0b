"""One scheduler among several replicas: whoever holds a PostgreSQL advisory lock leads.

The lock is a session-level ``pg_try_advisory_lock`` taken on a dedicated connection kept open for as long as
the process leads. If the process dies, or its connection does, PostgreSQL ends the session and releases the
lock, and a standby's next attempt (every ``retry`` seconds) takes over. The leader checks its connection on the
same period and before every job (see ``may_run``), so a leader that lost its connection stops scheduling.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

LOCK_KEY = zlib.crc32(b"vigil.scheduler")
"""The advisory lock's key: fixed, so every replica of every version agrees on it."""


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own. Thread-safe."""

    def __init__(self, url: URL | str, key: int = LOCK_KEY) -> None:
        self._engine = create_engine(url, poolclass=NullPool)
        self._key = key
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        """Take the lock if no other session holds it. Never blocks on another holder."""
        with self._lock:
            if self._connection is not None:
                return True
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar()
            except Exception:
                connection.close()
                raise
            if not got:
                connection.close()
                return False
            self._connection = connection
            return True

    def still_held(self) -> bool:
        """Whether the session holding the lock is alive (a live session keeps its lock). A dead one is dropped."""
        with self._lock:
            if self._connection is None:
                return False
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception as exc:
                log.warning("scheduler lock connection lost: %s", exc)
                self._drop()
                return False

    def backend_pid(self) -> int | None:
        """The server process id of the lock's session (for operators, and for tests that kill it)."""
        with self._lock:
            if self._connection is None:
                return None
            return self._connection.execute(text("SELECT pg_backend_pid()")).scalar()

    def release(self) -> None:
        with self._lock:
            if self._connection is None:
                return
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            except Exception as exc:
                log.info("scheduler lock released by closing its connection (%s)", exc)
            self._drop()

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                log.debug("closing a dead lock connection failed", exc_info=True)


class LeaderElection:
    """Calls ``on_elected`` when this process takes the lock and ``on_deposed`` when it loses it.

    A failing ``on_elected`` gives the lock back so another replica can try. ``stop`` steps down cleanly.
    """

    def __init__(
        self,
        lock: AdvisoryLock,
        *,
        on_elected: Callable[[], None],
        on_deposed: Callable[[], None],
        retry: float,
    ) -> None:
        self.lock = lock
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._retry = retry
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vigil-scheduler-election", daemon=True)
        self.leading = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.leading:
            self.leading = False
            self._on_deposed()
        self.lock.dispose()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception:
                log.exception("scheduler leader election step failed; retrying")
            self._stop.wait(self._retry)

    def _step(self) -> None:
        if self.leading:
            if not self.lock.still_held():
                self.leading = False
                log.warning("lost the scheduler lock; this replica stops scheduling")
                self._on_deposed()
            return
        if not self.lock.try_acquire():
            return
        try:
            self._on_elected()
        except Exception:
            self.lock.release()
            raise
        self.leading = True
        log.info("this replica now runs the scheduler")
