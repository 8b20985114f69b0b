"""Alembic environment: runs migrations online against the configured URL (SQLite or PostgreSQL)."""

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext

from incidents.db import UTCDateTime, make_engine
from incidents.schema import metadata

config = context.config


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | bool:
    """Write app-specific column types as their plain SQL types, so old migrations never import app code."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # A batch migration rebuilds a table (copy, drop, rename); with foreign keys on, the drop would delete
            # every row that references it. SQLite ignores this pragma inside a transaction, so it goes to the
            # driver before the first statement opens one.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
            if connection.dialect.name == "sqlite" and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise RuntimeError("a migration left rows pointing at rows that no longer exist; nothing was changed")
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
