"""Appending leaves to the logs: one log per incident, plus the system log.

A log's writers are ordered by its head row (``record_logs``): the first append of a transaction reads it with
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, which creates it for a new incident and otherwise locks it
until the transaction ends, so two replicas appending to one incident's log queue there and number their leaves
one after the other (SQLite serialises writers anyway); later appends of the transaction use what it read. Writers
of different incidents never wait for each other; those of one incident already queue on the incident's own row.
Each leaf names its index and the hash of the leaf before it, so a log is a hash chain as well as a Merkle tree: a
leaf changed, dropped, inserted or moved breaks the next one's link, which names it.

The tables are named here rather than imported (the models sit above the session factory this serves);
:mod:`incidents.record.models` defines them, and ``tests/record/test_subjects.py`` holds the two together.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, bindparam, column, insert, inspect, table, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from incidents.record.canonical import canonical
from incidents.record.merkle import leaf_hash
from incidents.record.subjects import BY_TABLE, Subject, Values

LEAF_VERSION = 1
PUT, DELETE = "put", "del"
_HEADS = "vigil.record.heads"

LOGS = table("record_logs", column("log"), column("size"), column("head"))
LEAVES = table("record_leaves", column("log"), column("idx"), column("body"), column("salts", JSON(none_as_null=True)))


@dataclass(frozen=True)
class Entry:
    """A leaf to append: what happened to which row, and what its leaf says of it."""

    subject: Subject
    row_id: int
    log: int
    op: str
    row: dict[str, Any] | None
    salts: dict[str, str] | None


def entry(subject: Subject, values: Mapping[str, Any] | Any, op: str = PUT) -> Entry:
    """The leaf for a row (an ORM object or a mapping of its columns)."""
    get: Values = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name)
    row, salts = subject.commit(get) if op == PUT else (None, None)
    return Entry(subject, int(get("id")), subject.log_of(get), op, row, salts or None)


def subject_of(row: object) -> Subject | None:
    return BY_TABLE.get(getattr(type(row), "__tablename__", ""))


def append_flushed(session: Session) -> None:
    """Append the leaves of what the flush just wrote (called after each flush)."""
    entries = list(_flushed(session))
    if entries:
        append(session.connection(), entries, session.info.setdefault(_HEADS, {}))


def forget_heads(session: Session) -> None:
    """A transaction (or a savepoint) ended: the heads it held may be released, or rolled back to what they were."""
    session.info.pop(_HEADS, None)


def _flushed(session: Session) -> Iterator[Entry]:
    for row in session.new:
        subject = subject_of(row)
        if subject is not None:
            yield entry(subject, row)
    for row in session.dirty:
        subject = subject_of(row)
        if subject is not None and _committed_columns_changed(subject, row):
            yield entry(subject, row)
    for row in session.deleted:
        subject = subject_of(row)
        if subject is not None:
            yield entry(subject, row, DELETE)


def _committed_columns_changed(subject: Subject, row: Any) -> bool:
    attrs = inspect(row).attrs
    return any(attrs[name].history.has_changes() for name in (*subject.columns, *subject.salted))


def append(connection: Connection, entries: Iterable[Entry], heads: dict[int, tuple[int, str]] | None = None) -> None:
    """Append ``entries`` to their logs, in the caller's transaction, logs in a fixed order (so two transactions
    appending to the same two logs wait for each other instead of deadlocking). ``heads`` holds the size and head
    of the logs this transaction appended to already, kept up to date here: their rows are locked until it ends,
    so they are still current, and a later flush appends without reading them again."""
    by_log: dict[int, list[Entry]] = defaultdict(list)
    for item in entries:
        by_log[item.log].append(item)
    held = {} if heads is None else heads
    for log in sorted(by_log):
        size, head = held.get(log) or connection.execute(_open_head(connection.dialect.name), {"log": log}).one()
        leaves: list[dict[str, Any]] = []
        for item in by_log[log]:
            body = canonical(_body(item, size + len(leaves), head))
            leaves.append({"log": log, "idx": size + len(leaves), "body": body.decode(), "salts": item.salts})
            head = leaf_hash(body).hex()
        size += len(leaves)
        _write(connection, log, leaves, size, head)
        held[log] = (size, head)


def _write(connection: Connection, log: int, leaves: list[dict[str, Any]], size: int, head: str) -> None:
    """Insert the leaves and move the head: on PostgreSQL in one statement whose text never changes (a round trip,
    and a statement planned anew for each number of leaves, are most of an append's cost), on SQLite in two (in the
    process, and without data-modifying WITH)."""
    if connection.dialect.name == "postgresql":
        columns = {
            "idx": [leaf["idx"] for leaf in leaves],
            "bodies": [leaf["body"] for leaf in leaves],
            "salts": [None if leaf["salts"] is None else json.dumps(leaf["salts"]) for leaf in leaves],
        }
        connection.execute(_APPEND_PG, {"log": log, "size": size, "head": head, **columns})
        return
    connection.execute(insert(LEAVES), leaves)
    connection.execute(update(LOGS).where(LOGS.c.log == log).values(size=size, head=head))


_APPEND_PG = text(
    "WITH added AS (INSERT INTO record_leaves (log, idx, body, salts) SELECT :log, i, b, CAST(s AS json)"
    " FROM unnest(CAST(:idx AS integer[]), CAST(:bodies AS text[]), CAST(:salts AS text[])) AS u(i, b, s))"
    " UPDATE record_logs SET size = :size, head = :head WHERE log = :log"
)


def _body(item: Entry, idx: int, previous: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "v": LEAF_VERSION,
        "log": item.log,
        "i": idx,
        "prev": previous,
        "t": item.subject.table,
        "id": item.row_id,
        "op": item.op,
    }
    if item.row is not None:
        body["row"] = item.row
    return body


@cache
def _open_head(dialect: str) -> Any:
    """The log's head row, created empty if it is new, locked either way (a no-op update takes the row lock)."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(LOGS).values(log=bindparam("log"), size=0, head="")
    return statement.on_conflict_do_update(index_elements=["log"], set_={"size": LOGS.c.size}).returning(
        LOGS.c.size, LOGS.c.head
    )


def insert_chained(connection: Connection, model: Any, values: Mapping[str, Any]) -> None:
    """Insert one row of a chained table outside any session (every column given), with its leaf, in
    ``connection``'s transaction."""
    row_id = connection.execute(insert(model).returning(model.id), [dict(values)]).scalar_one()
    append(connection, [entry(BY_TABLE[model.__tablename__], {**values, "id": row_id})])


def refuse_unseen_write(state: ORMExecuteState) -> None:
    """A bulk INSERT, DELETE, or UPDATE of committed columns, through a session, of a chained table would change
    rows no flush sees: refused, so it cannot happen by accident (an UPDATE of other columns is fine)."""
    target = getattr(state.statement, "table", None)
    subject = BY_TABLE.get(getattr(target, "name", ""))
    if subject is None:
        return
    if state.is_update:
        written = {getattr(name, "key", name) for name in getattr(state.statement, "_values", None) or {}}
        if not written & {*subject.columns, *subject.salted}:
            return
    raise RuntimeError(f"{subject.table}: write chained rows through the session's flush, not a bulk statement")
