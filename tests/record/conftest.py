"""The record under test: a signing key in the environment, checkpoints made on demand, and ``vigil verify`` run
in-process against the test database."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from incidents import lifecycle, roles, timeline
from incidents.context import Domain
from incidents.record.checkpoints import Checkpoint, make_checkpoint
from incidents.record.signing import Signer
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from vigil.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


@pytest.fixture
def vigil(
    domain: Domain,
    db_url: str,
    signer: Signer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """``vigil`` on the test database, with the test's signing key."""
    raw = signer.key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setenv("VIGIL_RECORD_SIGNING_KEY", base64.b64encode(raw).decode())

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def checkpoint(domain: Domain, signer: Signer, reason: str = "hourly") -> Checkpoint:
    return domain.run(lambda ctx: make_checkpoint(ctx, signer, reason, anchored=False))


def incident_with_history(domain: Domain, time_source: ManualTime) -> str:
    """A resolved incident with notes, a role, an update and its declare's clocks and tasks."""
    ref = declared_ref(domain)
    for text in ("First call from the host.", "Police informed, case 4471.", "Listing taken down."):
        time_source.advance(timedelta(minutes=5))
        with domain.unit() as ctx:
            timeline.add_note(ctx, ref, actor="U_ALICE", text=text)
    with domain.unit() as ctx:
        roles.assign_role(ctx, ref, actor="U_ALICE", role="scribe", person="U_BOB")
        timeline.post_update(ctx, ref, actor="U_ALICE", summary="Contained; the listing is down.")
    time_source.advance(timedelta(minutes=30))
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    return ref
