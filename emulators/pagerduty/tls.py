"""A throwaway certificate authority and a 127.0.0.1 server certificate, so the emulator can speak HTTPS.

The official ``pagerduty`` client refuses any base URL that is not ``https://`` (``ApiClient.url``'s setter raises
``UrlError``), so the emulator serves TLS by default and tests trust its CA explicitly, through
:func:`client_context` (``verify=`` for httpx and for the ``pagerduty`` clients). Generated once per process with
``cryptography`` (already installed for ``authlib``); the key files live in a temporary directory removed at exit.
"""

from __future__ import annotations

import atexit
import functools
import ipaddress
import shutil
import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@functools.cache
def _material() -> tuple[str, Path, Path]:
    """(CA certificate PEM, server certificate file, server key file)."""
    start = datetime.now(UTC) - timedelta(minutes=5)
    end = start + timedelta(days=2)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Vigil PagerDuty emulator CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="pagerduty-emulator-tls-"))
    atexit.register(shutil.rmtree, folder, True)
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_file.chmod(0o600)
    return ca.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file


def ca_pem() -> str:
    """The CA certificate (PEM) clients must trust."""
    return _material()[0]


def server_context() -> ssl.SSLContext:
    """The listener's TLS context."""
    _, cert_file, key_file = _material()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def client_context() -> ssl.SSLContext:
    """A client context that trusts the emulator (and nothing else): pass it as ``verify=``."""
    return ssl.create_default_context(cadata=ca_pem())
