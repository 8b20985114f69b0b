"""The analysts' door into the database: a PostgreSQL role that reads the views of the ``reporting`` schema (made
by migration, documented in docs/reporting.md) and nothing else, so a BI tool can point at production safely.

The views run with their owner's rights, so the role needs no right on a base table: it gets none, and any it had
are revoked. Views that later migrations add to the schema are readable by it at once (default privileges of the
schema's owner). A role made here is marked by its comment; an existing role without the mark is refused, so the
command can never strip the rights of the application's own role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from incidents.errors import VigilError

SCHEMA = "reporting"
ROLE_MARK = "Vigil reporting role: reads the views of schema reporting only (vigil db reporting-role)"
NEEDS_POSTGRESQL = "Reporting roles need PostgreSQL: an SQLite database has no roles (see docs/reporting.md)."
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_INSUFFICIENT_PRIVILEGE = "42501"


@dataclass(frozen=True)
class ReportingRole:
    name: str
    created: bool
    """False when the role existed (made by this command before): its grants were renewed."""
    login: bool
    views: int
    """How many views it can read."""


def grant_reporting_role(engine: Engine, name: str, password: str | None = None) -> ReportingRole:
    """Create (or renew) role ``name``: NOLOGIN, to be granted to people's own roles, unless a ``password`` makes
    it a login role. The password reaches the server only as its SCRAM verifier, never in clear."""
    if engine.dialect.name != "postgresql":
        raise VigilError(NEEDS_POSTGRESQL)
    if not _ROLE_NAME.fullmatch(name) or name.startswith("pg_"):
        raise VigilError(
            f"{name!r} cannot name a reporting role: use lowercase letters, digits and _ (not starting with pg_)."
        )
    try:
        with engine.begin() as connection:
            return _grant(connection, name, password)
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
            raise
        reason = " ".join(str(error.orig).split())
        raise VigilError(
            f"PostgreSQL refused ({reason}): run this as the owner of Vigil's tables, with CREATEROLE."
        ) from None


def _grant(connection: Connection, name: str, password: str | None) -> ReportingRole:
    owner = connection.execute(
        text("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = :schema"), {"schema": SCHEMA}
    ).scalar()
    if owner is None:
        raise VigilError("This database has no reporting views yet: run `vigil db upgrade` first.")
    existing = connection.execute(
        text("SELECT rolcanlogin, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = :name"),
        {"name": name},
    ).first()
    if existing is not None and existing[1] != ROLE_MARK:
        raise VigilError(
            f"A role {name} already exists and was not made by `vigil db reporting-role`: pick another name."
        )
    driver = connection.connection.driver_connection
    role = _identifier(driver, name)
    login = f"LOGIN PASSWORD {_literal(driver, _verifier(driver, name, password))}" if password else ""
    if existing is None:
        run = [f"CREATE ROLE {role} {login or 'NOLOGIN'}", f"COMMENT ON ROLE {role} IS {_literal(driver, ROLE_MARK)}"]
    else:
        run = [f"ALTER ROLE {role} {login}"] if login else []
    database = _identifier(driver, str(connection.execute(text("SELECT current_database()")).scalar()))
    run += [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {_identifier(driver, owner)} IN SCHEMA {SCHEMA} GRANT SELECT ON TABLES"
        f" TO {role}",
    ]
    for statement in run:
        connection.exec_driver_sql(statement)
    views = connection.execute(
        text("SELECT count(*) FROM pg_views WHERE schemaname = :schema"), {"schema": SCHEMA}
    ).scalar()
    can_login = bool(password) or bool(existing is not None and existing[0])
    return ReportingRole(name=name, created=existing is None, login=can_login, views=int(views or 0))


def _verifier(driver: Any, name: str, password: str) -> str:
    """What the server stores for ``password`` (hashed here, by libpq, as the server's password_encryption
    says), so the clear password appears in no statement and no server log."""
    return str(driver.pgconn.encrypt_password(password.encode(), name.encode()).decode())


def _identifier(driver: Any, name: str) -> str:
    from psycopg import sql

    return str(sql.Identifier(name).as_string(driver))


def _literal(driver: Any, value: str) -> str:
    from psycopg import sql

    return str(sql.Literal(value).as_string(driver))
