"""Fixtures build on each other: db_url → engine → domain (with a hand-moved time source) → ctx."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from incidents.context import Ctx, Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.policy import load_policy
from incidents.privacy.detector import detector
from incidents.timesource import ManualTime
from tests.dbs import BACKENDS, empty_tables, fresh_database, postgresql_unreachable
from tests.wheel_install import start_early, stop_early
from vigil.process import settle_heap

START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def personal_data_detector() -> None:
    """Built once per test process, before its first test with a database (the tests that write text), and then
    moved out of the garbage collector's view, as ``vigil serve`` does at start (:func:`vigil.process.settle_heap`):
    no test's first write pays for it, and full collections do not walk Presidio's and spaCy's objects in the middle
    of a test's acks. A process that runs no such test (the emulators', the parsers') never builds it."""
    detector()
    settle_heap()


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, personal_data_detector: None
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def time_source() -> ManualTime:
    return ManualTime(START)


@pytest.fixture
def domain(engine: Engine, time_source: ManualTime) -> Domain:
    empty_tables(engine)
    return Domain(engine, make_sessionmaker(engine), load_policy(), time_source)


@pytest.fixture
def ctx(domain: Domain) -> Iterator[Ctx]:
    """One unit of work spanning the test, committed at the end (tests that need several use ``domain``)."""
    with domain.unit() as ctx:
        yield ctx


@pytest.fixture
def backend(engine: Engine) -> str:
    return engine.dialect.name


EARLY_INSTALL = pytest.StashKey[subprocess.Popen[bytes]]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under CI=true the PostgreSQL half must run: a server that does not answer fails the run, in one line. The
    wheel install starts in the background (:mod:`tests.wheel_install`) before the test workers do."""
    if hasattr(session.config, "workerinput"):
        return
    if os.environ.get("CI") == "true":
        reason = postgresql_unreachable()
        if reason:
            pytest.exit(reason, returncode=pytest.ExitCode.TESTS_FAILED)
    started = start_early(session.config)
    if started is not None:
        session.config.stash[EARLY_INSTALL] = started


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(EARLY_INSTALL, None)
    if started is not None:
        stop_early(started)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/emulators" in str(Path(str(item.fspath))):
            item.add_marker(pytest.mark.emulator)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.params.values():
            item.add_marker(pytest.mark.postgresql)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Locally, a PostgreSQL that does not answer skips the tests that need it before their fixtures try it; the
    summary says why in one line (the skips all come from here)."""
    if item.get_closest_marker("postgresql") and os.environ.get("CI") != "true":
        reason = postgresql_unreachable()
        if reason:
            pytest.skip(f"{reason}. The PostgreSQL half of the suite is skipped")
