"""Rate limits (per rate_table.py) and injected faults (latency, failures).

Limits are "N calls per window" with a sliding window per method; chat.postMessage is a token bucket
per channel (about one per second with short bursts). The window defaults to Slack's minute; tests
shrink it so a 429 is reachable in milliseconds.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass

from emulators.slack.rate_table import PER_CHANNEL_PER_MINUTE, PER_MINUTE


class RateLimiter:
    """Decides whether a call is over its limit and, if so, how long until it would pass."""

    def __init__(self, window_s: float, burst: int) -> None:
        self.window_s = window_s
        self.burst = burst
        self.per_minute, self.per_channel = dict(PER_MINUTE), dict(PER_CHANNEL_PER_MINUTE)
        self._calls: dict[str, deque[float]] = {}
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, method: str, channel: str | None) -> int | None:
        """None if the call may proceed (and is counted); otherwise whole seconds to wait (≥ 1)."""
        now = time.monotonic()
        with self._lock:
            if method in self.per_channel and channel:
                return self._take_token(method, channel, now)
            limit = self.per_minute.get(method)
            if limit is None:
                return None
            calls = self._calls.setdefault(method, deque())
            while calls and calls[0] <= now - self.window_s:
                calls.popleft()
            if len(calls) >= limit:
                return max(1, math.ceil(calls[0] + self.window_s - now))
            calls.append(now)
            return None

    def _take_token(self, method: str, channel: str, now: float) -> int | None:
        rate = self.per_channel[method] / self.window_s
        tokens, last = self._buckets.get((method, channel), (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * rate)
        if tokens < 1:
            self._buckets[(method, channel)] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / rate))
        self._buckets[(method, channel)] = (tokens - 1, now)
        return None


@dataclass
class Failure:
    """A queued injected failure for one method."""

    error: str
    status: int
    remaining: int


@dataclass(frozen=True)
class RandomFaults:
    """Chaos: each call (of a method not exempt) fails with HTTP 500 ``internal_error`` with probability
    ``failure_rate``, and each call that succeeded loses its answer with probability ``lost_rate``."""

    failure_rate: float
    lost_rate: float
    exempt: frozenset[str]


INTERNAL_ERROR = Failure("internal_error", 500, 0)


class Faults:
    """Latency, one-shot failures that tests inject to exercise the app's error handling, and random failures
    (seeded, so a chaos run can be repeated) on top of them."""

    def __init__(self, latency_ms: float) -> None:
        self.latency_ms = latency_ms
        self.method_latency_ms: dict[str, float] = {}
        self._failures: dict[str, deque[Failure]] = {}
        self._lost_answers: dict[tuple[str, str | None], int] = {}
        self._random: RandomFaults | None = None
        self._rng = random.Random()
        self._lock = threading.Lock()

    def fail_randomly(self, chaos: RandomFaults | None, seed: int) -> None:
        """Inject random failures from now on (None: stop)."""
        with self._lock:
            self._random, self._rng = chaos, random.Random(seed)

    def _rolled(self, method: str, lost_answer: bool) -> bool:
        """Whether a random fault (a failure, or a lost answer) hits this call; call with the lock held."""
        chaos = self._random
        if chaos is None or method in chaos.exempt:
            return False
        return self._rng.random() < (chaos.lost_rate if lost_answer else chaos.failure_rate)

    def latency_s(self, method: str) -> float:
        """Delay to apply before answering `method`."""
        return self.method_latency_ms.get(method, self.latency_ms) / 1000.0

    def fail_next(self, method: str, error: str, status: int, times: int) -> None:
        """Queue `times` failures of `method`."""
        with self._lock:
            self._failures.setdefault(method, deque()).append(Failure(error, status, times))

    def take(self, method: str) -> Failure | None:
        """The failure to answer this call with, if one is queued."""
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return INTERNAL_ERROR if self._rolled(method, lost_answer=False) else None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
            return failure

    def lose_answer_next(self, method: str, times: int, channel: str | None) -> None:
        """The next `times` calls of `method` (to `channel` only, if given) happen but their answers never leave
        (see :meth:`answer_lost`)."""
        with self._lock:
            self._lost_answers[(method, channel)] = self._lost_answers.get((method, channel), 0) + times

    def answer_lost(self, method: str, channel: str | None) -> bool:
        """Whether the answer to this call, which Slack has already carried out, is to be lost on the way back."""
        with self._lock:
            for key in ((method, channel), (method, None)):
                if self._lost_answers.get(key, 0) > 0:
                    self._lost_answers[key] -= 1
                    return True
            return self._rolled(method, lost_answer=True)
