"""Group commit: jobs that callers submit at the same moment run together, in one batch and one transaction.

Declares through the API are many small transactions that all queue on one row (the reference counter) and each
pay for a dozen statements and a commit. Written together, a batch pays for those once: the cost of a declare
falls as the load rises instead of the lock stalling it. Nobody waits for a batch to fill: when no batch is
running, one starts at once with whatever is waiting (often a single job); jobs arriving meanwhile go in the next.

Callers wait in the event loop, not in a thread each, so any number of calls can be waiting (and share a batch)
while one worker thread runs the batch's transaction.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from anyio import to_thread

Job = TypeVar("Job")
Result = TypeVar("Result")


class GroupCommit(Generic[Job, Result]):
    """Runs ``commit`` in a worker thread on batches of at most ``limit`` jobs, one batch at a time.

    ``commit`` returns one outcome per job, in order: the job's result, or the exception to raise in its caller.
    If ``commit`` itself raises, every job of the batch fails with that exception. Use from one event loop.
    """

    def __init__(self, commit: Callable[[Sequence[Job]], Sequence[Result | Exception]], *, limit: int = 64) -> None:
        self._commit = commit
        self._limit = limit
        self._waiting: deque[tuple[Job, asyncio.Future[Result]]] = deque()
        self._draining: asyncio.Task[None] | None = None

    async def run(self, job: Job) -> Result:
        """``job``'s result once a batch holding it has committed (or its exception, raised)."""
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((job, answer))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        return await answer

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = [self._waiting.popleft() for _ in range(min(self._limit, len(self._waiting)))]
                outcomes = await to_thread.run_sync(self._outcomes, [job for job, _answer in batch])
                for (_job, answer), outcome in zip(batch, outcomes, strict=True):
                    if answer.done():  # its caller hung up (the job still ran: a retry with its key replays it)
                        continue
                    if isinstance(outcome, Exception):
                        answer.set_exception(outcome)
                    else:
                        answer.set_result(outcome)
        finally:
            self._draining = None

    def _outcomes(self, jobs: list[Job]) -> Sequence[Result | Exception]:
        try:
            return self._commit(jobs)
        except Exception as exc:
            return [exc] * len(jobs)
