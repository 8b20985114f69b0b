"""Server-side sessions for the web view: the signed cookie only names a row here, so signing out ends a session
on every replica sharing the database, and a stolen cookie is worthless once its owner signs out.

The cookie carries a random session id; the table holds only its SHA-256 (a leaked table opens no session). Each
request costs one primary-key lookup. Expired rows are pruned whenever someone signs in, so they never pile up.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from incidents.context import Ctx
from incidents.db import Base, UTCDateTime

SESSION_LIFETIME = timedelta(hours=12)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class SessionPerson:
    """Who a live session belongs to, as the pages need it."""

    key: str
    name: str
    email: str | None


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(ctx: Ctx, person: SessionPerson) -> str:
    """Record a new session for ``person`` and return its id (for the cookie; never stored as is)."""
    now = ctx.now()
    ctx.session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    ctx.session.add(
        WebSession(
            id_hash=_hash(session_id),
            person_key=person.key,
            name=person.name[:200],
            email=person.email,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return session_id


def session_person(ctx: Ctx, session_id: str) -> SessionPerson | None:
    """The person behind a live session; None once it was ended or has expired."""
    row = ctx.session.execute(
        select(WebSession.person_key, WebSession.name, WebSession.email).where(
            WebSession.id_hash == _hash(session_id), WebSession.expires_at > ctx.now()
        )
    ).one_or_none()
    return SessionPerson(row.person_key, row.name, row.email) if row is not None else None


def end_session(ctx: Ctx, session_id: str) -> None:
    ctx.session.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))
