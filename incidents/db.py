"""Engine, declarative base and the one place that commits.

Every database change in Vigil happens inside :func:`transaction`; services only ``add`` and ``flush``.
SQLite (the embedded default) and PostgreSQL (production) are both first-class.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from incidents.privacy.scan import watch

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite stores no zone and hands back naive values; PostgreSQL's ``timestamptz`` may hand back another zone.
    Either way the domain only ever sees aware UTC, and refuses to store a naive value (a naive value is a bug
    waiting for a daylight-saving change).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine tuned for ``url``'s backend.

    SQLite gets foreign keys, WAL and ``BEGIN IMMEDIATE`` so that concurrent writers queue on the busy timeout
    instead of failing with "database is locked" when two readers both try to upgrade to writers.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql+psycopg"):
        # PostgreSQL's own $n placeholders, which psycopg's raw cursors send as they are: with %(name)s ones,
        # psycopg parses every statement in Python, and a batch's multi-row INSERTs are too long for its cache.
        kwargs["paramstyle"] = "numeric_dollar"
        kwargs["connect_args"] = {"cursor_factory": psycopg.RawCursor, **kwargs.get("connect_args", {})}
    return create_engine(url, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def on_postgresql(session: Session) -> bool:
    """Whether the session's database is PostgreSQL (production), for the few statements that use its features."""
    return session.get_bind().dialect.name == "postgresql"


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that scan the free text they write for personal data (:mod:`incidents.privacy.scan`)."""
    factory = sessionmaker(engine, expire_on_commit=False)
    watch(factory)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit if the block finishes, roll back everything if it raises."""
    with factory() as session, session.begin():
        yield session
