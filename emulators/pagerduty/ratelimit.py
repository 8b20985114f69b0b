"""The Events API's per-routing-key rate limit, as a sliding window.

PagerDuty documents "approximately 120 calls/minute per integration key ... calculated over a 60 second window
looking back from the current time", so this counts every call carrying a known key (valid event or not) in the
last ``window`` seconds; a refused call is not counted, so a client that backs off gets through once old calls age
out. Both numbers are settable so a test can hit the limit in a few calls and see it lift in a fraction of a second.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class SlidingWindowLimiter:
    """At most ``limit`` calls per key in any ``window`` seconds."""

    def __init__(self, limit: int = 120, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._calls: defaultdict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        """Count a call for ``key`` and say whether it is within the limit."""
        moment = time.monotonic()
        with self._lock:
            calls = self._calls[key]
            while calls and calls[0] <= moment - self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                return False
            calls.append(moment)
            return True

    def reset(self) -> None:
        """Forget every call (a test that changed the limit mid-way starts clean)."""
        with self._lock:
            self._calls.clear()
