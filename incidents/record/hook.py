"""Where the record hears of every write: listeners on the sessions :func:`incidents.db.make_sessionmaker` makes.

A flush is the one place every ORM write passes, whichever service made it (the effects' ``record``/``audit``,
lifecycle, roles, clocks, reviews, parties, retention, and whatever comes next), so leaves are appended after each
flush, on the flush's own connection and transaction: a row and its leaf commit or roll back together, savepoints
included. Explicit calls in the services could be forgotten by the next one; this cannot. What a flush does not
see, bulk statements through the session, is refused for chained tables, and the one raw insert of a chained row
(an audited refusal written after a rollback) goes through :func:`incidents.record.log.insert_chained`. Anything
written behind Vigil's back is what ``vigil verify`` is for.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from incidents.record.log import (
    append_flushed,
    committed_heads_info,
    forget_heads,
    refuse_unseen_write,
    remember_heads,
)


def watch(factory: sessionmaker[Session]) -> None:
    """Append a leaf for every chained row that sessions made by ``factory`` insert, change or delete. Its
    sessions share where they left each log (:class:`incidents.record.log.CommittedHeads`)."""
    factory.configure(info={**(factory.kw.get("info") or {}), **committed_heads_info()})
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "after_commit", remember_heads)
    event.listen(factory, "after_transaction_end", _after_transaction_end)
    event.listen(factory, "do_orm_execute", _before_statement)


def _after_flush(session: Session, _context: Any) -> None:
    append_flushed(session)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """Every flush runs in a subtransaction of its own, which ends with it: only the end of the transaction or of
    a savepoint can release the heads or roll them back (a failed flush fails the transaction around it)."""
    if transaction.nested or transaction.parent is None:
        forget_heads(session)


def _before_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        refuse_unseen_write(state)
