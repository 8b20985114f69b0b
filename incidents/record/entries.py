"""One log verified: its hash chain and Merkle roots against the checkpoints that fixed it, then every chained row
against the latest leaf about it, and its erasures against the audited erasures in it. Logs are read a range of
incidents at a time (every chained table by its incident key, the leaves by their log), so memory stays flat
however large the record."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnClause,
    ColumnElement,
    Connection,
    TableClause,
    Text,
    cast,
    column,
    or_,
    select,
    table,
)

from incidents.db import UTCDateTime
from incidents.record.merkle import Tree, leaf_hash
from incidents.record.models import RecordLeaf, RecordLog
from incidents.record.outcome import Anchors, Outcome, capitalised
from incidents.record.subjects import BY_TABLE, SUBJECTS, SYSTEM_LOG, Subject


@dataclass(frozen=True)
class _Leaf:
    idx: int
    body: str
    salts: str | None
    """As stored (JSON), read only for the leaves rows are compared with: most leaves are not the latest."""
    erased_at: datetime | None
    erased_by: str | None
    erasure: str | None


def log_name(log: int, names: Mapping[int, str]) -> str:
    return "the system log" if log == SYSTEM_LOG else names.get(log, f"incident #{log} (deleted)")


@cache
def _table(subject: Subject) -> TableClause:
    """The chained table's columns that verification reads, typed as the models type them."""

    def typed(name: str) -> ColumnClause[Any]:
        kind = UTCDateTime if name in subject.times else JSON if name in subject.documents else None
        return column(name, Boolean if name in subject.flags else kind)

    return table(subject.table, *(typed(name) for name in subject.read))


def _in_range(key: Any, lo: int, hi: int) -> ColumnElement[bool]:
    """Rows of the logs ``lo`` to ``hi``: the system log's rows have no incident."""
    if lo == SYSTEM_LOG:
        return or_(key.is_(None), key.between(lo, hi)) if hi > lo else key.is_(None)
    result: ColumnElement[bool] = key.between(lo, hi)
    return result


def check_range(
    connection: Connection,
    lo: int,
    hi: int,
    anchors: Anchors,
    names: Mapping[int, str],
    outcome: Outcome,
) -> None:
    leaves: dict[int, list[_Leaf]] = defaultdict(list)
    query = select(
        RecordLeaf.log,
        RecordLeaf.idx,
        RecordLeaf.body,
        cast(RecordLeaf.salts, Text),
        RecordLeaf.erased_at,
        RecordLeaf.erased_by,
        RecordLeaf.erasure,
    ).where(RecordLeaf.log.between(lo, hi))
    for log, idx, body, salts, erased_at, erased_by, erasure in connection.execute(
        query.order_by(RecordLeaf.log, RecordLeaf.idx)
    ).all():
        leaves[log].append(_Leaf(idx, body, salts, erased_at, erased_by, erasure))
    rows: dict[int, dict[str, list[Mapping[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for subject in SUBJECTS:
        chained = _table(subject)
        key = chained.c[subject.incident_key]
        found = connection.execute(select(chained).where(_in_range(key, lo, hi)).order_by(chained.c.id))
        for values in found.all():  # fetched at once, each row a dict: a row is read column by column
            row = dict(zip(subject.read, values, strict=True))
            incident = row[subject.incident_key]
            rows[SYSTEM_LOG if incident is None else incident][subject.table].append(row)
    heads = {
        log: (size, head)
        for log, size, head in connection.execute(
            select(RecordLog.log, RecordLog.size, RecordLog.head).where(RecordLog.log.between(lo, hi))
        )
    }
    for log in sorted(set(leaves) | set(rows) | set(heads)):
        _LogCheck(log, capitalised(log_name(log, names)), anchors, outcome).run(
            leaves.get(log, []), rows.get(log, {}), heads.get(log)
        )


@dataclass
class _Latest:
    idx: int
    op: str
    committed: dict[str, Any] | None
    stored_salts: str | None

    @cached_property
    def salts(self) -> dict[str, str] | None:
        return None if self.stored_salts is None else _salts(self.stored_salts)


def _body_of(stored: str) -> dict[str, Any] | None:
    """A leaf's body as an object; None when it is not one (rewritten by hand: valid JSON of another shape too)."""
    try:
        body = json.loads(stored)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _salts(stored: str) -> dict[str, str] | None:
    """A leaf's salts by field; None when there are none to use (erased, or rewritten into something else)."""
    try:
        salts = json.loads(stored)
    except ValueError:
        return None
    return salts if isinstance(salts, dict) else None


class _LogCheck:
    """One log: its chain and roots, then its rows against their latest leaves."""

    def __init__(self, log: int, where: str, anchors: Anchors, outcome: Outcome) -> None:
        self.log, self.where, self.anchors, self.outcome = log, where, anchors, outcome

    def problem(self, text: str) -> None:
        line = f"{self.where}: {text}"
        self.outcome.problems.append(line)
        self.outcome.by_log[self.log].append(line)

    def run(
        self, leaves: list[_Leaf], rows: Mapping[str, list[Mapping[str, Any]]], head: tuple[int, str] | None
    ) -> None:
        self.outcome.logs += 1
        self.outcome.by_log[self.log] = []
        fixed = self.anchors.by_log.get(self.log)
        if fixed:
            self.outcome.fixed_at[self.log] = fixed[-1][0].seq
        self.outcome.entries += len(leaves)
        self.outcome.newer += max(0, len(leaves) - (fixed[-1][1].size if fixed else 0))
        latest = self._chain(leaves, head)
        self._rows(latest, rows)
        self._erasures(leaves, latest)

    def _chain(self, leaves: list[_Leaf], head: tuple[int, str] | None) -> dict[tuple[str, int], _Latest]:
        """Walk the hash chain and the Merkle tree, and return the latest leaf about each row. A root that no
        longer matches its checkpoint is reported only where no broken link already named the entry."""
        fixed = self.anchors.by_log.get(self.log, [])
        tree, previous, expected, named = Tree(), "", 0, 0
        named_before, matched = 0, 0
        latest: dict[tuple[str, int], _Latest] = {}
        earlier: dict[str, Any] | None = None
        pending = list(fixed)
        for leaf in leaves:
            if leaf.idx != expected:
                self.problem(
                    f"record entries {expected}-{leaf.idx - 1} were deleted{self.anchors.since(self.log, expected)}."
                )
                named += 1
            body = _body_of(leaf.body)
            hashed = leaf_hash(leaf.body.encode())
            if body is None or body.get("log") != self.log or body.get("i") != leaf.idx:
                self.problem(f"record entry {leaf.idx} was moved or inserted{self.anchors.since(self.log, leaf.idx)}.")
                named += 1
            elif body.get("prev") != previous and leaf.idx == expected and leaf.idx > 0:
                self.problem(
                    f"{self._entry(leaf.idx - 1, earlier)} was modified in the record"
                    f"{self.anchors.since(self.log, leaf.idx - 1)}."
                )
                named += 1
            earlier, previous, expected = body, hashed.hex(), leaf.idx + 1
            tree.add(hashed)
            while pending and pending[0][1].size == tree.size:
                checkpoint, fixed_head = pending.pop(0)
                if tree.root().hex() != fixed_head.root and named == named_before:
                    self.problem(
                        f"record entries {matched}-{fixed_head.size - 1} no longer match {checkpoint.name}: "
                        "at least one of them was rewritten since."
                    )
                    named += 1
                named_before, matched = named, fixed_head.size
            if body is not None and isinstance(body.get("t"), str) and isinstance(body.get("id"), int):
                latest[(body["t"], body["id"])] = _Latest(leaf.idx, str(body.get("op")), body.get("row"), leaf.salts)
        for checkpoint, fixed_head in pending:
            if fixed_head.size > tree.size:
                self.problem(f"record entries {tree.size}-{fixed_head.size - 1} were deleted since {checkpoint.name}.")
                named += 1
        if head is not None and (head[0] != len(leaves) or (leaves and head[1] != previous)) and named == 0:
            self.problem(
                f"the last record entry ({self._entry(len(leaves) - 1, earlier)}) "
                "was modified or removed after it was written."
            )
        return latest

    def _entry(self, idx: int, body: Mapping[str, Any] | None) -> str:
        """A leaf as people know it: the row it is about."""
        subject = BY_TABLE.get(str((body or {}).get("t")))
        if subject is None or body is None:
            return f"record entry {idx}"
        return subject.describe(int(body.get("id", 0)), body.get("row"))

    def _rows(self, latest: Mapping[tuple[str, int], _Latest], rows: Mapping[str, list[Mapping[str, Any]]]) -> None:
        seen: set[tuple[str, int]] = set()
        for subject in SUBJECTS:
            mismatched: list[tuple[Mapping[str, Any], _Latest, list[str]]] = []
            for row in rows.get(subject.table, ()):
                key = (subject.table, int(row["id"]))
                seen.add(key)
                leaf = latest.get(key)
                if leaf is None or leaf.op != "put" or leaf.committed is None:
                    self.problem(f"{subject.describe(key[1], None)} was inserted: the record has no entry for it.")
                    continue
                if subject.salted and leaf.salts is None:
                    self.problem(
                        f"{subject.describe(key[1], leaf.committed)} can no longer be checked: its salts were removed"
                        f"{self.anchors.since(self.log, leaf.idx)}."
                    )
                    continue
                changed = subject.differences(leaf.committed, leaf.salts, row.get)
                if changed:
                    mismatched.append((row, leaf, changed))
            self._mismatches(subject, mismatched)
        for (name, row_id), leaf in latest.items():
            gone = BY_TABLE.get(name)
            if gone is not None and leaf.op == "put" and (name, row_id) not in seen:
                self.problem(
                    f"{gone.describe(row_id, leaf.committed)} was deleted{self.anchors.since(self.log, leaf.idx)}."
                )

    def _mismatches(self, subject: Subject, found: list[tuple[Mapping[str, Any], _Latest, list[str]]]) -> None:
        """Rows that differ from their leaves: moved (only their place changed, or they swapped contents with
        another such row) or modified."""
        moved: list[tuple[int, _Latest]] = []
        for row, leaf, changed in found:
            swapped = any(
                other is not leaf and other.committed and not subject.differences(other.committed, other.salts, row.get)
                for _r, other, _c in found
            )
            if swapped or (subject.ordering and set(changed) <= set(subject.ordering)):
                moved.append((int(row["id"]), leaf))
                continue
            self.problem(
                f"{subject.describe(int(row['id']), leaf.committed)} was modified"
                f"{self.anchors.since(self.log, leaf.idx)}: {', '.join(changed)}."
            )
        if moved:
            since = self.anchors.since(self.log, min(leaf.idx for _id, leaf in moved))
            ids = [str(row_id) for row_id, _leaf in moved]
            if len(ids) == 1:
                self.problem(f"{subject.label} {ids[0]} was moved{since}.")
            else:
                self.problem(f"{subject.plural} {', '.join(ids[:-1])} and {ids[-1]} were reordered{since}.")

    def _erasures(self, leaves: list[_Leaf], latest: Mapping[tuple[str, int], _Latest]) -> None:
        """Salts erased by an audited erasure are said; salts removed without one are a problem."""
        audited = {
            (row.get("action"), row.get("actor"), row.get("at"))
            for leaf in latest.values()
            if (row := leaf.committed) is not None and "action" in row
        }
        erasures: Counter[tuple[datetime, str, str]] = Counter()
        for leaf in leaves:
            if leaf.erased_at is None or (leaf.salts is not None and _salts(leaf.salts) is not None):
                continue
            key = (leaf.erased_at, leaf.erased_by or "?", leaf.erasure or "?")
            erasures[key] += 1
        for (at, by, why), count in sorted(erasures.items()):
            stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            if (why, by, stamp) not in audited:
                self.problem(
                    f"the text of {count} entries was erased on {at:%Y-%m-%d %H:%M} UTC with no audited {why}."
                )
                continue
            plural = "entry" if count == 1 else "entries"
            self.outcome.notes.append(
                f"{self.where}: text of {count} earlier {plural} erased on {at:%Y-%m-%d %H:%M} UTC by {by} ({why})."
            )
