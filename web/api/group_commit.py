"""Group commit: jobs that callers submit at the same moment run together, in one batch, led by a waiting caller.

Declares through the API are many small transactions that all queue on one row (the reference counter) and each
pay for a dozen statements and a commit. Written together, a batch pays for those once: throughput grows with the
load instead of stalling on the lock. Nobody waits for a batch to fill: a caller that finds no batch running
leads one at once with whatever is waiting (often just its own job); callers arriving meanwhile wait for the
next. There is no thread of its own to start or stop: a batch is led by one of the callers' threads.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")


@dataclass(eq=False)
class _Slot(Generic[Job, Result]):
    job: Job
    outcome: Result | Exception | None = None
    done: bool = False


class GroupCommit(Generic[Job, Result]):
    """Runs ``commit`` on batches of at most ``limit`` jobs, at most ``leaders`` batches at a time.

    ``commit`` returns one outcome per job, in order: the job's result, or the exception to raise in its caller's
    thread. If ``commit`` itself raises, every job of the batch fails with that exception.
    """

    def __init__(
        self, commit: Callable[[Sequence[Job]], Sequence[Result | Exception]], *, limit: int = 64, leaders: int = 1
    ) -> None:
        self._commit = commit
        self._limit = limit
        self._free_leaders = leaders
        self._waiting: deque[_Slot[Job, Result]] = deque()
        self._changed = threading.Condition(threading.Lock())

    def run(self, job: Job) -> Result:
        """Return ``job``'s result once a batch holding it has committed (raise its exception if it failed)."""
        slot: _Slot[Job, Result] = _Slot(job)
        with self._changed:
            self._waiting.append(slot)
        while True:
            with self._changed:
                while not slot.done and not (self._free_leaders and self._waiting):
                    self._changed.wait()
                if slot.done:
                    break
                self._free_leaders -= 1
                batch = [self._waiting.popleft() for _ in range(min(self._limit, len(self._waiting)))]
            self._lead(batch)
        if isinstance(slot.outcome, Exception):
            raise slot.outcome
        return slot.outcome  # type: ignore[return-value]

    def _lead(self, batch: list[_Slot[Job, Result]]) -> None:
        outcomes: Sequence[Result | Exception] = [RuntimeError("the batch was interrupted")] * len(batch)
        try:
            outcomes = self._commit([slot.job for slot in batch])
        except Exception as exc:
            outcomes = [exc] * len(batch)
        finally:
            with self._changed:
                for slot, outcome in zip(batch, outcomes, strict=True):
                    slot.outcome, slot.done = outcome, True
                self._free_leaders += 1
                self._changed.notify_all()
