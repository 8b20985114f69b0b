"""Schema management through Alembic: the only way Vigil's tables are created or changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


@dataclass(frozen=True)
class SchemaState:
    at: frozenset[str]
    """The revisions the database is at (none: Vigil's tables were never created there)."""
    newest: frozenset[str]
    """The newest revisions this version of Vigil ships."""

    @property
    def current(self) -> bool:
        return self.at == self.newest

    def describe(self) -> str:
        at = ", ".join(sorted(self.at)) or "no schema"
        return at + (" (the newest)" if self.current else f" (the newest is {', '.join(sorted(self.newest))})")


def schema_state(database_url: str) -> SchemaState:
    """Where the database's schema stands against this version's migrations (``vigil serve`` and ``vigil web``
    refuse to run on a schema that is not the newest)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    newest = frozenset(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return SchemaState(frozenset(MigrationContext.configure(connection).get_current_heads()), newest)
    finally:
        engine.dispose()


def is_current(database_url: str) -> bool:
    return schema_state(database_url).current
