"""Test databases: a fresh SQLite file and a fresh PostgreSQL database per test session, migrated by Alembic."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text

from incidents.migrate import upgrade
from incidents.schema import metadata

PG_ADMIN_URL = os.environ.get("VIGIL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


@contextmanager
def fresh_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, migrated, empty database; drop it afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / f'vigil-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        yield url
        return
    name = f"vigil_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(_unreachable(exc)) from None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        # A test database is thrown away: its commits need not wait for the disk.
        admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@cache
def postgresql_unreachable() -> str | None:
    """Why the tests cannot reach PostgreSQL, in one line; None when it answers. Asked once per test process."""
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        return _unreachable(exc)
    return None


def _unreachable(exc: psycopg.OperationalError) -> str:
    reason = " ".join(str(exc).split())
    return (
        f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({reason}); start it with: "
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
    )


def empty_tables(engine: Engine) -> None:
    """Remove every row but keep the schema: much faster than migrating again for each test. On PostgreSQL,
    TRUNCATE rather than DELETE, because it leaves each table as new: rows read without an ORDER BY come back in
    the order they were written, which DELETE's reused space would not keep. Only the tables ever written to are
    truncated (each one costs new files on disk, and a test writes to a handful), and every sequence starts again
    at 1, as in a new database."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name != "postgresql":
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            return
        written = (
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY(:tables) AND pg_relation_size(oid) > 0"
        )
        used = list(connection.scalars(text(written), {"tables": tables}))
        if used:
            connection.execute(text(f"TRUNCATE {', '.join(used)} CASCADE"))
        connection.execute(text("SELECT setval(oid::regclass, 1, false) FROM pg_class WHERE relkind = 'S'"))
