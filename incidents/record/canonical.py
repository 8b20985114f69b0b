"""The bytes a leaf or a checkpoint commits to: RFC 8785 (JSON Canonicalization Scheme) over plain JSON values, so
anyone can recompute them from the same facts with any conforming implementation.

Free text is committed as ``SHA-256(salt || JCS(value))`` (:func:`salted_digest`): the salt lives beside the leaf,
not in it, so erasing the text and the salt leaves every hash, and every proof over it, as it was, while what the
text said can no longer be confirmed by guessing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import rfc8785

SALT_BYTES = 16
_SAFE_INTEGER = 2**53 - 1
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"))


def canonical(value: Any) -> bytes:
    """``value`` (made of JSON types) as RFC 8785 canonical JSON, UTF-8.

    Every leaf and salted hash is one of these, so the common case is written by ``json``'s C encoder, which gives
    RFC 8785's bytes for strings (the same escapes), integers in a double's exact range, booleans and null, in
    objects whose keys sort the same by code point as by UTF-16 unit (none beyond the BMP). Anything else (a
    float, a key beyond the BMP, a subclass, a string no UTF-8 can hold) is left to the reference implementation,
    so the bytes never depend on which wrote them."""
    if _encoded_alike(value):
        try:
            return _ENCODER.encode(value).encode()
        except UnicodeEncodeError:
            pass  # a lone surrogate: refused below, as the reference refuses it
    return rfc8785.dumps(value)


def _encoded_alike(value: Any) -> bool:
    """Whether ``json`` writes ``value`` exactly as RFC 8785 does (exact types only: a subclass may serialise
    differently)."""
    kind = type(value)
    if kind is dict:
        keys_alike = all(type(key) is str and (key.isascii() or max(key) <= "\uffff") for key in value)
        return keys_alike and all(map(_encoded_alike, value.values()))
    if kind is list or kind is tuple:
        return all(map(_encoded_alike, value))
    if kind is int:
        return bool(-_SAFE_INTEGER <= value <= _SAFE_INTEGER)
    return kind is str or kind is bool or value is None


def plain(value: Any) -> Any:
    """A column's value as a JSON value that reads back identically from either database: enums by value,
    datetimes in UTC to the microsecond with a ``Z``, dates as ISO dates, containers element by element."""
    kind = type(value)
    if kind is str or value is None or isinstance(value, bool | int | float):
        return value
    if kind is datetime and value.tzinfo is UTC:  # what the database gives back: verification reads many
        text = value.isoformat()  # "…T12:05:00.123456+00:00", or "…T12:05:00+00:00"; fastest without options
        return text[:26] + "Z" if value.microsecond else text[:19] + ".000000Z"
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
