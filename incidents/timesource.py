"""Where "now" comes from. Injected everywhere so tests (and the scheduler's tests) control time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class TimeSource(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemTime:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenTime:
    """One instant, for work that must be stamped with a single time however long it takes (a declare writes
    all its rows at the moment it began). Immutable, so safe to share between threads."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FrozenTime needs an aware datetime")
        self._moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self._moment


class ManualTime:
    """A clock for tests that only moves when told to. Thread-safe, since dispatchers and schedulers read it too."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualTime needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)
