"""The key that signs checkpoints (Ed25519), from the settings. Verification uses the same configured key, never
one found in the database: whoever can rewrite the database must not be able to vouch for it."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from incidents.errors import ConfigError
from incidents.settings import Settings

KEY_ADVICE = "make one with `openssl genpkey -algorithm ed25519 -out record-key.pem`"


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, data: bytes) -> str:
        return self.key.sign(data).hex()


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key: which key a checkpoint names."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signed_by(public: Ed25519PublicKey, data: bytes, signature: str) -> bool:
    try:
        public.verify(bytes.fromhex(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def signer_from(settings: Settings) -> Signer | None:
    """The configured key (``VIGIL_RECORD_SIGNING_KEY``, else ``VIGIL_RECORD_SIGNING_KEY_FILE``); None when neither
    is set. A key that cannot be read is one :class:`ConfigError` line."""
    if settings.record_signing_key:
        return Signer(_parse(settings.record_signing_key.encode(), "VIGIL_RECORD_SIGNING_KEY"))
    path = settings.record_signing_key_file
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"VIGIL_RECORD_SIGNING_KEY_FILE: cannot read {path} ({exc.strerror or exc})") from None
    return Signer(_parse(data, f"VIGIL_RECORD_SIGNING_KEY_FILE ({path})"))


def _parse(data: bytes, where: str) -> Ed25519PrivateKey:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data.strip(), validate=True))
    except (ValueError, TypeError, binascii.Error):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(
            f"{where} is not an unencrypted Ed25519 private key (PEM, or base64 of 32 bytes): {KEY_ADVICE}"
        )
    return key
