"""The schema comes only from Alembic, matches the models, and migrates both ways; the domain stays Slack-free."""

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from incidents import migrate, timeline
from incidents.context import Domain
from incidents.db import make_engine
from incidents.models import AuditEvent
from incidents.queries import incident_to_show
from incidents.schema import metadata
from incidents.settings import Settings
from tests.dbs import BACKENDS, fresh_database
from tests.helpers import declared_ref


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        migrate.downgrade(url, "base")
        engine = make_engine(url)
        with engine.connect() as connection:
            tables = connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
                if backend == "postgresql"
                else text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'")
            ).scalar()
        assert tables in (0, 1)  # only alembic_version may remain
        migrate.upgrade(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrating_keeps_the_rows_that_hang_off_an_incident(backend: str, tmp_path: Path) -> None:
    """Rebuilding the incidents table (SQLite's way to alter it) must not cascade to its roles and timeline."""
    with fresh_database(backend, tmp_path) as url:
        domain = Domain.from_settings(Settings(database_url=url))
        declared_ref(domain)
        domain.engine.dispose()
        counts = "SELECT (SELECT count(*) FROM role_assignments), (SELECT count(*) FROM timeline_entries)"
        engine = make_engine(url)
        with engine.connect() as connection:
            before = tuple(connection.execute(text(counts)).one())
        migrate.downgrade(url, "9c3e5a7b1d43")  # before the migrations that rebuild incidents and people
        migrate.upgrade(url)
        with engine.connect() as connection:
            after = tuple(connection.execute(text(counts)).one())
        engine.dispose()
        assert before[0] > 0 and before[1] > 0
        assert after == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_who_reported_an_api_note_moves_beside_its_text_and_back(backend: str, tmp_path: Path) -> None:
    """Notes the intake API wrote before 170bcf39e71d held ``reported_by`` inside their text; upgrading moves it into
    the entry's data (which leadership reads as "the reporter"), downgrading puts it back. Notes people wrote keep
    their words, whatever they say."""
    with fresh_database(backend, tmp_path) as url:
        domain = Domain.from_settings(Settings(database_url=url))
        ref = declared_ref(domain)
        with domain.unit() as ctx:
            timeline.add_note(
                ctx, ref, actor="api:hotline", text="Caller called back", reported_by="zorblat quinnamere"
            )
            timeline.add_note(ctx, ref, actor="U_ALICE", text="Reported by a neighbour: loud music")
        domain.engine.dispose()
        notes = text("SELECT author, text FROM timeline_entries WHERE kind = 'note' ORDER BY id")
        engine = make_engine(url)
        migrate.downgrade(url, "5a61cd41a822")
        with engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(notes)] == [
                ("api:hotline", "Reported by zorblat quinnamere: Caller called back"),
                ("U_ALICE", "Reported by a neighbour: loud music"),
            ]
        migrate.upgrade(url)
        with engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(notes)] == [
                ("api:hotline", "Caller called back"),
                ("U_ALICE", "Reported by a neighbour: loud music"),
            ]
        engine.dispose()
        domain = Domain.from_settings(Settings(database_url=url))
        with domain.unit() as ctx:
            entries = [e for e in incident_to_show(ctx, ref).timeline if e.kind == "note"]
            assert [e.data.get("reported_by") for e in entries] == ["zorblat quinnamere", None]
            assert entries[0].pii is None, "its old scan's offsets were the old text's: it is scanned again"
        domain.engine.dispose()


def test_audit_events_are_append_only(domain: Domain) -> None:
    declared_ref(domain)
    with pytest.raises(RuntimeError, match="append-only"), domain.unit() as ctx:
        event = ctx.session.query(AuditEvent).first()
        event.actor = "someone else"
        ctx.session.flush()


def test_the_domain_never_imports_slack() -> None:
    code = (
        "import pkgutil, importlib, sys, incidents\n"
        "for m in pkgutil.walk_packages(incidents.__path__, 'incidents.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('slack_bolt', 'slack_sdk', 'bot'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
