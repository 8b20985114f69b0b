"""References stay unique and gap-free when many people declare at the same moment, and when a declare rolls back.

Each thread runs its own unit of work (its own session and connection), released together by a barrier so the
declares really contend for the year's counter row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from incidents.context import Domain
from incidents.errors import VigilError
from incidents.models import Incident, RefCounter
from tests.helpers import declare

THREADS = 50


class Rollback(Exception):
    """Raised inside a unit after the reference was taken, to prove the number is given back."""


def _declare(domain: Domain, n: int, *, fail: bool = False) -> str:
    with domain.unit() as ctx:
        incident = declare(ctx, actor=f"U{n:03d}", title=f"Concurrent report {n}")
        if fail:
            raise Rollback(incident.ref)
        return incident.ref


def _all_at_once(count: int, work: Callable[[int], str]) -> tuple[list[str], list[BaseException]]:
    """Run ``work(n)`` for n in range(count) on as many threads, all released by one barrier."""
    barrier = threading.Barrier(count, timeout=30)
    refs: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait()
        try:
            ref = work(n)
        except BaseException as exc:  # every failure is collected and reported by the test
            with lock:
                errors.append(exc)
        else:
            with lock:
                refs.append(ref)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a declaring thread hung"
    return refs, errors


def _expected(numbers: range) -> list[str]:
    return [f"INC-2026-{n:04d}" for n in numbers]


def _stored_refs(domain: Domain) -> list[str]:
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(Incident.ref).order_by(Incident.ref)))


def test_fifty_simultaneous_declares_get_fifty_consecutive_references(domain: Domain) -> None:
    refs, errors = _all_at_once(THREADS, lambda n: _declare(domain, n))

    assert errors == []
    assert sorted(refs) == _expected(range(1, THREADS + 1))
    assert _stored_refs(domain) == _expected(range(1, THREADS + 1))
    with domain.unit() as ctx:
        assert ctx.session.scalar(select(RefCounter.last_value).where(RefCounter.year == 2026)) == THREADS


def test_rolled_back_declare_gives_its_number_back_to_an_existing_counter(domain: Domain) -> None:
    """The counter row exists already, so the rollback must undo the bump, not the row's creation."""
    assert _declare(domain, 1) == "INC-2026-0001"
    with pytest.raises(Rollback, match="INC-2026-0002"):
        _declare(domain, 2, fail=True)
    assert _declare(domain, 3) == "INC-2026-0002"


def test_declare_undone_by_a_later_domain_error_in_the_same_unit_leaves_no_gap(domain: Domain) -> None:
    with pytest.raises(VigilError), domain.unit() as ctx:
        declare(ctx, title="Half done")
        declare(ctx, title="")

    assert _declare(domain, 2) == "INC-2026-0001"
    assert _stored_refs(domain) == ["INC-2026-0001"]


def test_concurrent_declares_that_roll_back_leave_no_gaps(domain: Domain) -> None:
    """The very first declares of the year race to create the counter row; every fifth one then rolls back."""
    refs, errors = _all_at_once(THREADS, lambda n: _declare(domain, n, fail=n % 5 == 0))

    assert len(errors) == THREADS // 5
    assert all(isinstance(e, Rollback) for e in errors), errors
    committed = THREADS - THREADS // 5
    assert sorted(refs) == _expected(range(1, committed + 1))
    assert _stored_refs(domain) == _expected(range(1, committed + 1))
