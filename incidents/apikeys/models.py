"""Tables behind the intake API: API keys (stored hashed) and the idempotency records of their POSTs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime


class ApiKey(Base):
    """A credential another system (a hotline, a case tool, a detector) uses to call the API.

    Only ``prefix`` (the public half of the token, shown in listings) and the SHA-256 of the whole token are
    stored; the token itself is shown once, at creation. The fixed-window counter lives on the row so every
    replica behind a load balancer shares one limit per key.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(48), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    standard_only: Mapped[bool] = mapped_column(Boolean, default=True)
    rate_per_minute: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def actor(self) -> str:
        """The person key the key acts as in timelines and the audit log."""
        return f"api:{self.name}"


class IdempotencyRecord(Base):
    """The first successful answer to a POST sent with an ``Idempotency-Key``, replayed to retries.

    The unique constraint is the claim: it is inserted before the work, in the work's transaction, so a
    concurrent duplicate waits on the index until the first commits (or rolls back) and then replays it.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("api_key_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
