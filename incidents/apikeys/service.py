"""API keys: created and revoked by operators (``vigil api-keys``), checked on every API call.

A token looks like ``vigil_<prefix>_<secret>``. The prefix and the SHA-256 of the whole token find the row. The
secret carries 256 random bits, so a fast hash is enough (nothing to brute-force), and comparing hashes in the
database leaks nothing useful about the secret.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, bindparam, case, delete, select, update

from incidents.apikeys.models import ApiKey, IdempotencyRecord
from incidents.context import Ctx
from incidents.db import table_of
from incidents.effects import audit
from incidents.errors import NotFound, VigilError
from incidents.people import upsert_person

READ = "incidents:read"
WRITE = "incidents:write"
SIGNALS_WRITE = "signals:write"
"""Report signals (``POST /api/v1/signals``, Alertmanager's webhook) and nothing else."""
SCOPES = (READ, WRITE, SIGNALS_WRITE)
DEFAULT_RATE_PER_MINUTE = 120
WINDOW = timedelta(minutes=1)
IDEMPOTENCY_TTL = timedelta(hours=24)
"""How long a POST's answer is replayed to retries with its Idempotency-Key. Callers retry within minutes (an IVR
that timed out); kept for ever, the records would only grow."""
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_TOKEN = re.compile(r"^vigil_([A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$")
_API_KEYS = table_of(ApiKey)
_KEYS = _API_KEYS.c
_WINDOW = bindparam("window", type_=_KEYS.window_start.type)
_CALLS = bindparam("calls", type_=Integer)
_COUNT_CALLS = (
    update(_API_KEYS)
    .where(_KEYS.prefix == bindparam("key_prefix"), _KEYS.token_hash == bindparam("key_hash"))
    .where(_KEYS.revoked_at.is_(None))
    .values(
        window_count=case((_KEYS.window_start == _WINDOW, _KEYS.window_count + _CALLS), else_=_CALLS),
        window_start=_WINDOW,
        last_used_at=bindparam("now", type_=_KEYS.last_used_at.type),
    )
    .returning(_KEYS.id, _KEYS.name, _KEYS.scopes, _KEYS.standard_only, _KEYS.rate_per_minute, _KEYS.window_count)
)
"""Built once, on the table rather than the model: an admission per batch of calls costs its round trip, not
building and coercing the statement again through the ORM's bulk-update path (most of its CPU when it did)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, as far as the API cares: read from the key's row at the start of each call."""

    key_id: int
    name: str
    scopes: frozenset[str]
    standard_only: bool

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


@dataclass(frozen=True)
class Admission:
    """The outcome of presenting a token: the caller, or how long to wait when over the limit."""

    principal: Principal
    retry_after: int | None


def parse_scopes(value: str) -> list[str]:
    scopes = sorted({s.strip() for s in value.split(",") if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise VigilError(f"Scopes must be among {', '.join(SCOPES)} (got {value!r}).", field="scopes")
    return scopes


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(
    ctx: Ctx,
    *,
    actor: str,
    name: str,
    scopes: list[str],
    all_tiers: bool = False,
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its token, which is never stored and cannot be shown again.

    A key sees standard incidents only unless ``all_tiers`` is asked for explicitly: a forgotten flag must not
    open restricted incidents to another system."""
    name = name.strip().lower()
    if not _NAME.match(name):
        raise VigilError("Key names are 1-48 lowercase letters, digits, '-' or '_'.", field="name")
    if ctx.session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise VigilError(f"There is already a key named {name!r} (names stay taken after revocation).", field="name")
    if rate_per_minute < 1:
        raise VigilError("The rate limit must be at least 1 call per minute.", field="rate_per_minute")
    scopes = parse_scopes(",".join(scopes))
    prefix = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    token = f"vigil_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        prefix=prefix,
        token_hash=_hash(token),
        scopes=scopes,
        standard_only=not all_tiers,
        rate_per_minute=rate_per_minute,
        created_by=actor,
        created_at=ctx.now(),
        window_count=0,
    )
    ctx.session.add(key)
    upsert_person(ctx, key.actor, display_name=f"API key {name}")
    audit(ctx, actor, "apikey.create", None, name=name, scopes=scopes, standard_only=not all_tiers)
    return key, token


def list_keys(ctx: Ctx) -> list[ApiKey]:
    return list(ctx.session.scalars(select(ApiKey).order_by(ApiKey.name)))


def revoke_key(ctx: Ctx, name: str, *, actor: str) -> ApiKey:
    """Revoke at once: the next call presenting the key is refused, on every replica."""
    key = ctx.session.scalar(select(ApiKey).where(ApiKey.name == name.strip().lower()))
    if key is None:
        raise NotFound(f"No API key named {name!r}.", field="name")
    if key.revoked_at is not None:
        raise VigilError(f"The key {key.name!r} was already revoked.", field="name")
    key.revoked_at = ctx.now()
    key.revoked_by = actor
    audit(ctx, actor, "apikey.revoke", None, name=key.name)
    return key


def admit(ctx: Ctx, tokens: Sequence[str]) -> list[Admission | None]:
    """Check each call's token and count the calls against their keys' fixed one-minute windows.

    One admission per token, in order: None for an unknown, malformed or revoked token. Each key is found by
    prefix and token hash and its counter bumped by its number of calls in one atomic ``UPDATE ... RETURNING``,
    so concurrent calls on any number of replicas share the limit exactly, and a wrong secret counts nothing
    against the key. The calls of one key are counted in the order given: the ones past the limit wait.
    """
    now = ctx.now()
    window = now.replace(second=0, microsecond=0)
    retry_after = max(1, int((window + WINDOW - now).total_seconds() + 0.999))
    admissions: list[Admission | None] = [None] * len(tokens)
    calls: dict[tuple[str, str], list[int]] = {}
    for position, token in enumerate(tokens):
        if match := _TOKEN.match(token):
            calls.setdefault((token, match.group(1)), []).append(position)
    for (token, prefix), positions in calls.items():
        count = len(positions)
        asked = {"key_prefix": prefix, "key_hash": _hash(token), "window": window, "calls": count, "now": now}
        row = ctx.session.execute(_COUNT_CALLS, asked).one_or_none()
        if row is None:
            continue
        principal = Principal(row.id, row.name, frozenset(row.scopes), row.standard_only)
        first = row.window_count - count + 1
        for n, position in enumerate(positions):
            over = first + n > row.rate_per_minute
            admissions[position] = Admission(principal, retry_after if over else None)
    return admissions


def expire_idempotency_records(ctx: Ctx) -> int:
    """Forget answers older than :data:`IDEMPOTENCY_TTL` (run by the scheduler's tick). Returns how many."""
    cutoff = ctx.now() - IDEMPOTENCY_TTL
    # Session.execute is typed as returning a Result; for a DELETE it returns a CursorResult, which has rowcount.
    result = cast(
        "CursorResult[Any]", ctx.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    )
    return int(result.rowcount or 0)
