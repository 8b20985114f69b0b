"""Engine, declarative base, column types and the database's failures in words.

SQLite (the embedded default) and PostgreSQL (production) are both first-class. Changes are committed by the unit
of work (:mod:`incidents.context`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, DateTime, Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from incidents.errors import VigilError
from incidents.privacy.scan import watch
from incidents.record.hook import watch as chain

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
        import psycopg  # here, not at the top: a command on SQLite need not pay for loading it (~80 ms)

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


def table_of(model: type[Base]) -> Table:
    """The model's table, for statements that need nothing of the ORM (no flush sees them, no object is made):
    through the ORM's bulk paths the same statement costs several times as much CPU."""
    return cast(Table, model.__table__)


def insert_or_nothing(session: Session, model: type[Any] | Table, on: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (on) DO NOTHING`` in the session's dialect (PostgreSQL and SQLite both have it):
    a concurrent insert of the same key waits for the other to commit, then inserts nothing, with no lookup
    first. Execute it with the rows as parameters (one statement for any number of rows, compiled once and
    cached, where ``.values(rows)`` would compile anew for each count); add ``.returning(...)`` to learn which
    rows went in."""
    dialect_insert = postgresql.insert if on_postgresql(session) else sqlite.insert
    return dialect_insert(model).on_conflict_do_nothing(index_elements=on)


def make_sessionmaker(bind: Engine | Connection) -> sessionmaker[Session]:
    """Sessions that scan the free text they write for personal data (:mod:`incidents.privacy.scan`) and append
    every chained row they write to the record (:mod:`incidents.record.hook`). Bound to a connection in a
    transaction (a rehearsal: :mod:`vigil.warm`), each session's transaction is a savepoint inside that one, which
    its owner commits or rolls back."""
    factory = sessionmaker(bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
    watch(factory)
    chain(factory)
    return factory


_URL_SHAPES = "use sqlite:///path/to/vigil.db or postgresql://user:password@host:5432/dbname"


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL names (absolute); None for an in-memory database or another backend."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise VigilError(f"VIGIL_DATABASE_URL is not a URL Vigil can use ({exc}): {_URL_SHAPES}.") from None
    except ValueError:
        raise VigilError(f"VIGIL_DATABASE_URL has a port that is not a number: {_URL_SHAPES}.") from None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Failures a person can fix (the database missing, unreachable or not migrated, a malformed URL) as one
    :class:`VigilError` line that says what to do; anything else propagates as it is."""
    try:
        yield
    except (DBAPIError, ArgumentError) as error:
        problem = explain(error, url)
        if problem is None:
            raise
        raise VigilError(problem) from None


_SCHEMA_BEHIND = re.compile(
    r"no such (table|column)|has no column named|relation .* does not exist|column .* does not exist"
)
_NO_PG_DATABASE = re.compile(r'database "([^"]+)" does not exist')


def explain(error: DBAPIError | ArgumentError, url: str) -> str | None:
    """What went wrong with the database at ``url`` and what to do next, in one line; None when it is not one of
    the failures a person can fix from here (a bug, or a constraint the code should have checked)."""
    if isinstance(error, ArgumentError):
        return f"VIGIL_DATABASE_URL is not a URL Vigil can use ({error}): {_URL_SHAPES}."
    reason = " ".join(str(error.orig).split())
    if _SCHEMA_BEHIND.search(reason):
        where = database_location(url)
        return f"The database {where} lacks Vigil's tables or is behind this version: run `vigil db upgrade`."
    file = sqlite_file(url)
    if file is not None:
        return _sqlite_problem(file, reason)
    if make_url(url).get_backend_name() == "postgresql" and getattr(error.orig, "sqlstate", None) is None:
        return _postgresql_problem(url, reason)  # psycopg failed to connect (a failed statement has a SQLSTATE)
    return None


def _sqlite_problem(file: Path, reason: str) -> str | None:
    if "unable to open database file" in reason:
        if not file.parent.is_dir():
            return (
                f"Cannot create the SQLite database {file}: the folder {file.parent} does not exist. "
                f"Create it (mkdir -p {file.parent}) or set VIGIL_DATABASE_URL to a file in an existing folder."
            )
        return f"Cannot open the SQLite database {file}: check that you may read and write {file.parent}."
    if "readonly database" in reason:
        return f"The SQLite database {file} is read-only for you: check its permissions (and its folder's)."
    if "database is locked" in reason:
        return f"The SQLite database {file} stayed locked by another process for 30 s; try again."
    return None


def _postgresql_problem(url: str, reason: str) -> str:
    parsed = make_url(url)
    host, port = parsed.host or "localhost", parsed.port or 5432
    at = f"{host}:{port}"
    missing = _NO_PG_DATABASE.search(reason)
    if missing:
        return (
            f"PostgreSQL at {at} has no database {missing.group(1)!r}: create it "
            f"(createdb -h {host} -p {port} {missing.group(1)}), "
            "then run `vigil db upgrade`."
        )
    if "Connection refused" in reason:
        return f"Nothing accepts connections at {at}: start PostgreSQL, or fix the host and port in VIGIL_DATABASE_URL."
    if "resolve host" in reason or "translate host name" in reason:
        return f"Cannot find the host {parsed.host!r}: fix the host in VIGIL_DATABASE_URL ({database_location(url)})."
    if "authentication failed" in reason or "no password supplied" in reason:
        return f"PostgreSQL at {at} refused user {parsed.username!r}: check the user and password in the URL."
    return f"Cannot connect to PostgreSQL at {at} ({reason}); check VIGIL_DATABASE_URL ({database_location(url)})."


def database_location(url: str) -> str:
    """The database for a message: its file, or its URL without the password."""
    file = sqlite_file(url)
    return str(file) if file is not None else make_url(url).render_as_string(hide_password=True)
