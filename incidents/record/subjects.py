"""What the record chains: the tables whose rows are leaves, which of their columns are committed as they are and
which (free text, personal data) only as salted hashes, and how a problem names a row to a person.

A column left out is not evidence: bookkeeping (versions, ``updated_at``, stored scans, Slack ids) and what a later
statement fills in (an incident's reference, taken once its row exists). Structured facts stay in the clear for
ever; free text can be erased with its salt (:mod:`incidents.record.erasure`).

Tables and columns are named, not imported: the record's hook sits under the session factory
(:mod:`incidents.db`), beneath every model. ``tests/record/test_subjects.py`` holds these names to the models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from incidents.record.canonical import new_salt, plain, salted_digest

SYSTEM_LOG = 0
"""The log of what belongs to no incident (audit events of API keys, sign-ins...); an incident's log is its id."""

Values = Callable[[str], Any]
"""A row's value by column name, whether the row is an ORM object (appending) or a selected row (verifying)."""
DIGEST = "sha256"


@dataclass(frozen=True)
class Subject:
    table: str
    label: str
    columns: tuple[str, ...]
    salted: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ()
    """Columns that only place the row among others: a row that differs from its leaf in these alone was moved."""
    shown: tuple[str, ...] = ()
    """Committed columns that tell a person which row a problem is about."""
    times: tuple[str, ...] = ()
    """The committed columns holding times (UTC in the database), which verification reads as such."""
    documents: tuple[str, ...] = ()
    """The columns holding JSON, which verification reads as such."""
    flags: tuple[str, ...] = ()
    """The boolean columns."""
    incident_key: str = "incident_id"

    @property
    def read(self) -> tuple[str, ...]:
        """Every column verification reads, the row's id and its incident's first."""
        keys = ("id",) if self.incident_key == "id" else ("id", self.incident_key)
        return (*keys, *self.columns, *self.salted)

    @cached_property
    def committed(self) -> frozenset[str]:
        """The columns a leaf commits to, in the clear or hashed: a change elsewhere needs no leaf."""
        return frozenset((*self.columns, *self.salted))

    @property
    def plural(self) -> str:
        return self.label[:-1] + "ies" if self.label.endswith("y") else self.label + "s"

    def log_of(self, values: Values) -> int:
        incident = values(self.incident_key)
        return SYSTEM_LOG if incident is None else int(incident)

    def commit(self, values: Values) -> tuple[dict[str, Any], dict[str, str]]:
        """What the leaf says of the row, and the fresh salts of its hashed fields."""
        row = {column: plain(values(column)) for column in self.columns}
        salts = {field: new_salt() for field in self.salted}
        for field, salt in salts.items():
            row[field] = {DIGEST: salted_digest(salt, values(field))}
        return row, salts

    def differences(self, committed: Mapping[str, Any], salts: Mapping[str, str] | None, values: Values) -> list[str]:
        """The columns where the row no longer says what its leaf committed to. A hashed field whose salt was
        erased cannot be compared, and is not."""
        changed = []
        for name in self.columns:
            value = values(name)
            if (value if type(value) in _AS_IS else plain(value)) != committed.get(name):
                changed.append(name)
        for field in self.salted:
            salt = (salts or {}).get(field)
            digest = committed.get(field, {}).get(DIGEST) if isinstance(committed.get(field), dict) else None
            if salt is not None and salted_digest(salt, values(field)) != digest:
                changed.append(field)
        return changed

    def describe(self, row_id: int, committed: Mapping[str, Any] | None) -> str:
        """The row as a problem line names it: "timeline entry 12 (note, 2026-11-23 12:05 UTC)"."""
        facts = [_shown(committed.get(c)) for c in self.shown] if committed else []
        context = ", ".join(f for f in facts if f)
        return f"{self.label} {row_id}" + (f" ({context})" if context else "")


_AS_IS = frozenset({str, int, bool, type(None)})
"""The types :func:`plain` returns as they are, which need no call to it (most of a row: verification reads many
rows)."""


def _shown(value: Any) -> str:
    if isinstance(value, str) and len(value) == 27 and value.endswith("Z") and value[10] == "T":
        return f"{value[:10]} {value[11:16]} UTC"
    return "" if value is None else str(value)


SUBJECTS: tuple[Subject, ...] = (
    Subject(
        "incidents",
        "the incident's own row",
        columns=(
            "severity",
            "status",
            "tier",
            "region",
            "jurisdictions",
            "declared_by",
            "occurred_at",
            "detected_at",
            "declared_at",
            "acknowledged_at",
            "mitigated_at",
            "resolved_at",
            "closed_at",
        ),
        salted=("title", "summary"),
        times=(
            "occurred_at",
            "detected_at",
            "declared_at",
            "acknowledged_at",
            "mitigated_at",
            "resolved_at",
            "closed_at",
        ),
        documents=("jurisdictions",),
        incident_key="id",
    ),
    Subject(
        "timeline_entries",
        "timeline entry",
        columns=("at", "seq", "recorded_at", "kind", "author", "source_url", "external_id", "sensitive", "in_review"),
        salted=("text", "data"),
        ordering=("at", "seq"),
        shown=("kind", "at"),
        times=("at", "recorded_at"),
        documents=("data",),
        flags=("sensitive", "in_review"),
    ),
    Subject(
        "audit_events",
        "audit event",
        columns=("at", "actor", "action"),
        salted=("details",),
        ordering=("at",),
        shown=("action", "at"),
        times=("at",),
        documents=("details",),
    ),
    Subject(
        "role_assignments",
        "role assignment",
        columns=("role", "person", "assigned_by", "assigned_at", "relieved_at"),
        shown=("role", "assigned_at"),
        times=("assigned_at", "relieved_at"),
    ),
    Subject(
        "handoffs",
        "hand-off",
        columns=("from_person", "to_person", "requested_by", "requested_at", "state", "settled_at"),
        shown=("requested_at",),
        times=("requested_at", "settled_at"),
    ),
    Subject(
        "severity_changes",
        "severity change",
        columns=("at", "from_severity", "to_severity", "actor"),
        salted=("reason",),
        shown=("to_severity", "at"),
        times=("at",),
    ),
    Subject(
        "status_updates",
        "status update",
        columns=("at", "author", "status", "next_update_due"),
        salted=("summary", "impact", "next_steps"),
        shown=("at",),
        times=("at", "next_update_due"),
    ),
    Subject(
        "clocks",
        "clock",
        columns=(
            "parent_id",
            "regime",
            "name",
            "jurisdiction",
            "artefact",
            "source_url",
            "trigger_at",
            "aware_by",
            "deadline_kind",
            "deadline_amount",
            "due_at",
            "owner_role",
            "satisfied_at",
            "satisfied_by",
            "reference_id",
        ),
        shown=("regime",),
        times=("trigger_at", "due_at", "satisfied_at"),
    ),
    Subject(
        "reviews",
        "review",
        columns=(
            "status",
            "owner",
            "minors_involved",
            "regions",
            "created_by",
            "created_at",
            "submitted_at",
            "published_at",
            "published_by",
            "cleared_at",
            "cleared_by",
        ),
        salted=(
            "executive_summary",
            "people_affected",
            "content_exposure",
            "attention",
            "contributing_factors",
            "went_well",
            "went_poorly",
            "got_lucky",
            "care_for_affected",
            "wellbeing_note",
            "not_personal",
        ),
        shown=("status",),
        times=("created_at", "submitted_at", "published_at", "cleared_at"),
        documents=("regions", "not_personal"),
    ),
    Subject(
        "legal_holds",
        "legal hold",
        columns=("placed_by", "placed_at", "released_by", "released_at"),
        salted=("matter", "reason"),
        shown=("placed_at",),
        times=("placed_at", "released_at"),
    ),
)
"""Every chained table, in the order a flush's leaves are appended."""

BY_TABLE: dict[str, Subject] = {subject.table: subject for subject in SUBJECTS}
