"""Appending leaves to the logs: one log per incident, plus the system log.

A log's writers are ordered by its head row (``record_logs``): the first append of a transaction reads it with
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, which creates it for a new incident and otherwise locks it
until the transaction ends, so two replicas appending to one incident's log queue there and number their leaves
one after the other (SQLite serialises writers anyway); later appends of the transaction use what it read. Writers
of different incidents never wait for each other; those of one incident already queue on the incident's own row.
Each leaf names its index and the hash of the leaf before it, so a log is a hash chain as well as a Merkle tree: a
leaf changed, dropped, inserted or moved breaks the next one's link, which names it.

A round trip is most of an append's cost on PostgreSQL, so the first append of a transaction to a log that this
process wrote last does not read the head first: it chains its leaves to the head this process committed, and one
statement moves the head and inserts them only if the head, once locked, is still that one. If another writer
came between, nothing is inserted, the statement returns the head as it is (locked now), and the leaves are
chained again to it: two round trips, as reading the head first would have cost.

The tables are named here rather than imported (the models sit above the session factory this serves);
:mod:`incidents.record.models` defines them, and ``tests/record/test_subjects.py`` holds the two together.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, Integer, String, bindparam, column, insert, inspect, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from incidents.record.canonical import canonical
from incidents.record.merkle import leaf_hash
from incidents.record.subjects import BY_TABLE, Subject, Values

LEAF_VERSION = 1
PUT, DELETE = "put", "del"
_HEADS = "vigil.record.heads"
_COMMITTED = "vigil.record.committed_heads"

Head = tuple[int, str]
"""A log's size and the hex hash of its last leaf ("" while it has none)."""

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


class CommittedHeads:
    """The heads this process's sessions committed last, by log: where the next append to each log will most
    likely find it. A guess checked under the lock (:func:`append`), so it may be stale, never wrong; bounded, the
    logs written longest ago forgotten first."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._heads: dict[int, Head] = {}
        self._lock = threading.Lock()  # sessions commit on several threads

    def get(self, log: int) -> Head | None:
        return self._heads.get(log)

    def update(self, heads: Mapping[int, Head]) -> None:
        with self._lock:
            for log, head in heads.items():
                self._heads.pop(log, None)
                self._heads[log] = head
            while len(self._heads) > self.LIMIT:
                del self._heads[next(iter(self._heads))]


def committed_heads_info() -> dict[str, CommittedHeads]:
    """What a session factory's ``info`` carries so that its sessions share one :class:`CommittedHeads`."""
    return {_COMMITTED: CommittedHeads()}


def append_flushed(session: Session) -> None:
    """Append the leaves of what the flush just wrote (called after each flush)."""
    entries = list(_flushed(session))
    if entries:
        held = session.info.setdefault(_HEADS, {})
        append(session.connection(), entries, held, session.info.get(_COMMITTED))


def remember_heads(session: Session) -> None:
    """The session committed: the heads it moved are where its process's next appends will look first. (A released
    savepoint commits too: if its transaction then rolls back, the guess is stale, which costs a round trip.)"""
    committed, held = session.info.get(_COMMITTED), session.info.get(_HEADS)
    if committed is not None and held:
        committed.update(held)


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
    """Whether the flush changed a column the leaf commits to. Only attributes that were set since the row was
    loaded can have (their previous values are kept), and a dirty row usually changed only bookkeeping."""
    state = inspect(row)
    touched = subject.committed.intersection(state.committed_state)
    return any(state.attrs[name].history.has_changes() for name in touched)


def append(
    connection: Connection,
    entries: Iterable[Entry],
    heads: dict[int, Head] | None = None,
    committed: CommittedHeads | None = None,
) -> None:
    """Append ``entries`` to their logs, in the caller's transaction, logs in a fixed order (so two transactions
    appending to the same two logs wait for each other instead of deadlocking). ``heads`` holds the size and head
    of the logs this transaction appended to already, kept up to date here: their rows are locked until it ends,
    so they are still current, and a later flush appends without reading them again. ``committed`` holds where
    this process last left each log: tried first, for one round trip instead of two."""
    by_log: dict[int, list[Entry]] = defaultdict(list)
    for item in entries:
        by_log[item.log].append(item)
    held = {} if heads is None else heads
    for log in sorted(by_log):
        items = by_log[log]
        known = held.get(log)
        guess = None if known is not None or committed is None else committed.get(log)
        if guess is not None:
            leaves, reached = _chained(log, items, guess)
            found = _write(connection, log, leaves, guess, reached)
            if found == reached:
                held[log] = reached
                continue
            known = found  # the head as it is, locked now; None while the log has none
        if known is None:
            opened = connection.execute(_open_head(connection.dialect.name), {"log": log}).one()
            known = (opened.size, opened.head)
        leaves, reached = _chained(log, items, known)
        if _write(connection, log, leaves, known, reached) != reached:
            raise RuntimeError(f"record log {log} moved while this transaction held its head")
        held[log] = reached


def _chained(log: int, items: list[Entry], head: Head) -> tuple[list[dict[str, Any]], Head]:
    """The leaves of ``items`` chained after ``head``, and the head they make."""
    size, previous = head
    leaves: list[dict[str, Any]] = []
    for item in items:
        body = canonical(_body(item, size + len(leaves), previous))
        leaves.append({"log": log, "idx": size + len(leaves), "body": body.decode(), "salts": item.salts})
        previous = leaf_hash(body).hex()
    return leaves, (size + len(leaves), previous)


def _write(
    connection: Connection, log: int, leaves: list[dict[str, Any]], expected: Head, reached: Head
) -> Head | None:
    """Move the log's head from ``expected`` to ``reached`` and insert the leaves, if the head is still
    ``expected`` once locked; return the head then (``reached`` when written), None if the log has none. On
    PostgreSQL in one statement whose text never changes (a round trip, and a statement planned anew for each
    number of leaves, are most of an append's cost), on SQLite in two (in the process, and without
    data-modifying WITH). Only a writer that appended the very same leaves could leave the head at ``reached``
    without this writing them: their insert would then fail on the index they hold, not pass unseen."""
    values = {
        "log": log,
        "expected_size": expected[0],
        "expected_head": expected[1],
        "size": reached[0],
        "head": reached[1],
    }
    if connection.dialect.name == "postgresql":
        added = json.dumps([[leaf["idx"], leaf["body"], leaf["salts"]] for leaf in leaves])
        found = connection.execute(_APPEND_PG, {**values, "leaves": added}).one_or_none()
    else:
        found = connection.execute(_MOVE_HEAD, values).one_or_none()
        if found is not None and (found.size, found.head) == reached:
            connection.execute(_INSERT_LEAVES, leaves)
    return None if found is None else (found.size, found.head)


_MOVE_HEAD_SQL = (
    "UPDATE record_logs SET"
    " size = CASE WHEN size = :expected_size AND head = :expected_head THEN :size ELSE size END,"
    " head = CASE WHEN size = :expected_size AND head = :expected_head THEN :head ELSE head END"
    " WHERE log = :log RETURNING size, head"
)
_HEAD_COLUMNS = (column("size", Integer), column("head", String))
"""What the statements that move a head return, declared so that their results are read without inspecting the
cursor each time."""
_MOVE_HEAD = text(_MOVE_HEAD_SQL).columns(*_HEAD_COLUMNS)
_INSERT_LEAVES = insert(LEAVES)
_APPEND_PG = text(
    f"WITH moved AS ({_MOVE_HEAD_SQL}),"
    " added AS (INSERT INTO record_leaves (log, idx, body, salts)"
    " SELECT :log, CAST(leaf->>0 AS integer), leaf->>1, CAST(leaf->>2 AS json)"
    " FROM json_array_elements(CAST(:leaves AS json)) AS leaf"
    " WHERE EXISTS (SELECT FROM moved WHERE size = :size AND head = :head))"
    " SELECT size, head FROM moved"
).columns(*_HEAD_COLUMNS)
"""The leaves go as one JSON array of ``[idx, body, salts]``: one string to send, where arrays of each column
cost more to build than the rest of the append."""


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
