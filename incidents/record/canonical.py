"""The bytes a leaf or a checkpoint commits to: RFC 8785 (JSON Canonicalization Scheme) over plain JSON values, so
anyone can recompute them from the same facts with any conforming implementation.

Free text is committed as ``SHA-256(salt || JCS(value))`` (:func:`salted_digest`): the salt lives beside the leaf,
not in it, so erasing the text and the salt leaves every hash, and every proof over it, as it was, while what the
text said can no longer be confirmed by guessing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import rfc8785

SALT_BYTES = 16


def canonical(value: Any) -> bytes:
    """``value`` (made of JSON types) as RFC 8785 canonical JSON, UTF-8."""
    return rfc8785.dumps(value)


def plain(value: Any) -> Any:
    """A column's value as a JSON value that reads back identically from either database: enums by value,
    datetimes in UTC to the microsecond with a ``Z``, dates as ISO dates, containers element by element."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    raise TypeError(f"cannot commit a {type(value).__name__} to the record")


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def salted_digest(salt: str, value: Any) -> str:
    """The hex SHA-256 of the salt's bytes followed by the canonical form of ``value``."""
    return hashlib.sha256(bytes.fromhex(salt) + canonical(plain(value))).hexdigest()
