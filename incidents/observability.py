"""What operators see of a running Vigil, without tying the domain to a metrics library.

The dispatcher, the scheduler and the adapters report events to the process's :class:`Observer` (by default one
that ignores them; ``web.metrics`` installs the Prometheus one when the process serves ``/metrics``). Log records
carry the incident ref and the request id of the work they were written for (:func:`scope`, :func:`annotate`),
and :class:`JsonFormatter` writes them one JSON object a line (``VIGIL_LOG_FORMAT=json``). Readiness
(:func:`not_ready`) is the database answering at the schema this version ships.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from incidents.outbox import PENDING, OutboxMessage


class Observer(Protocol):
    """The events a metrics backend counts. Labels are from small fixed sets: never a person, a text or an id."""

    def acked(self, kind: str, seconds: float) -> None:
        """Slack's request of ``kind`` was answered ``seconds`` after it arrived."""

    def delivered(self, topic: str, result: str) -> None:
        """An outbox row of ``topic`` was tried: ``done``, ``retry`` (will be tried again) or ``failed`` (given up)."""

    def call_failed(self, system: str, method: str, code: str) -> None:
        """A call to ``system`` (``slack``, ``jira``) failed: Slack's error code or Jira's HTTP status."""

    def leading(self, leads: bool) -> None:
        """This process started (True) or stopped (False) running the scheduler."""

    def signals(self, event: str, count: int = 1) -> None:
        """Signals ``received`` or ``repeated``; groups ``opened``, ``declared``, ``attached`` or ``dismissed``."""

    def pages(self, event: str) -> None:
        """A page ``sent``, ``acknowledged``, ``escalated`` or ``resolved``."""

    def waited(self, span: str, seconds: float) -> None:
        """How long people were waited on: ``signal_to_declare``, ``signal_to_page``, ``page_to_acknowledge``."""


class _Ignore:
    def acked(self, kind: str, seconds: float) -> None:
        pass

    def delivered(self, topic: str, result: str) -> None:
        pass

    def call_failed(self, system: str, method: str, code: str) -> None:
        pass

    def leading(self, leads: bool) -> None:
        pass

    def signals(self, event: str, count: int = 1) -> None:
        pass

    def pages(self, event: str) -> None:
        pass

    def waited(self, span: str, seconds: float) -> None:
        pass


_observer: Observer = _Ignore()


def install(observer: Observer) -> None:
    """Make ``observer`` the process's (one per process, as a metrics registry is)."""
    global _observer
    _observer = observer


def observer() -> Observer:
    return _observer


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_age_s: float
    """Seconds since the oldest pending row was queued (0 when none is)."""


def outbox_backlog(session: Session, now: datetime) -> Backlog:
    """One indexed query (``ix_outbox_due`` leads with the state), asked at scrape time rather than kept current."""
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.state == PENDING)
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)  # SQLite's aggregate returns the stored value without the column type
    return Backlog(int(count), max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)


@cache
def _newest_revisions() -> frozenset[str]:
    """The migrations this version ships: read from disk once, not on every readiness probe."""
    from alembic.script import ScriptDirectory

    from incidents.migrate import alembic_config

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def not_ready(engine: Engine) -> str | None:
    """Why this replica should not take traffic, in a line, or None: the database must answer and be at the
    newest schema (a replica of a newer version waits for `vigil db upgrade`)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as connection:
            at = frozenset(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:
        return f"the database does not answer ({type(exc).__name__})"
    if at != _newest_revisions():
        return "the database schema is not the newest: run `vigil db upgrade`"
    return None


_fields: ContextVar[dict[str, str] | None] = ContextVar("vigil_log_fields", default=None)


@contextmanager
def scope(**fields: str) -> Iterator[None]:
    """Log records written inside carry ``fields`` (e.g. ``request``), and whatever :func:`annotate` adds."""
    token = _fields.set({**(_fields.get() or {}), **fields})
    try:
        yield
    finally:
        _fields.reset(token)


def annotate(**fields: str) -> None:
    """Add to the current :func:`scope` what was learnt midway (the incident a delivery turned out to be about);
    outside any scope it does nothing, so nothing leaks into unrelated work on the same thread."""
    current = _fields.get()
    if current is not None:
        current.update(fields)


_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+|\bvigil_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}")
"""Slack tokens and Vigil's API keys: scrubbed from every JSON line, should a message ever carry one."""


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the scope's fields, and for an exception its type
    and stack (frames only: an exception's text can quote what a remote system answered)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _TOKEN.sub("[redacted]", record.getMessage()),
            **(_fields.get() or {}),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["stack"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(line, ensure_ascii=False)


def log_as_json() -> None:
    """Switch the root logger's handlers to :class:`JsonFormatter` (``VIGIL_LOG_FORMAT=json``)."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
