"""The incident's page and its review say what the scheduler's latest verification of its record found, at which
checkpoint, and list its legal holds; a note changed behind Vigil's back turns the line into a warning at the next
verification."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from emulators.slack import SlackEmulator
from incidents import timeline
from incidents.context import Domain
from incidents.enums import Severity
from incidents.record.checkpoints import make_checkpoint
from incidents.record.checks import check_logs
from incidents.record.holds import place_hold
from incidents.record.signing import Signer
from incidents.reviews import get_or_start_review
from incidents.settings import Settings
from tests.helpers import declared_ref
from tests.web.conftest import SignIn


def test_the_page_and_the_review_say_where_the_record_was_verified(
    sign_in: SignIn, emu: SlackEmulator, domain: Domain
) -> None:
    alice = emu.add_user("alice", "Alice Moreau", "alice.moreau@example.com")
    ref = declared_ref(domain, actor=alice, types=["fraud_scam"], severity=Severity.SEV2)
    signer = Signer(Ed25519PrivateKey.generate())
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor=alice, text="Scam domain blocked.")
        get_or_start_review(ctx, ref, actor=alice)
        place_hold(ctx, ref, actor="U_LEGAL", matter="Doe v. Platform", reason="Subpoena")
    checkpoint = domain.run(lambda ctx: make_checkpoint(ctx, signer, "hourly", anchored=False))
    check_logs(domain, Settings())  # as the scheduler does after each checkpoint
    browser = sign_in(alice)
    page = browser.get(f"/incidents/{ref}").text
    assert f"Record verified at {checkpoint.name}; checked 2026-11-23 12:00 UTC." in page
    assert "Legal hold for <bdi>Doe v. Platform</bdi>, placed by <bdi>U_LEGAL</bdi>" in page
    review = browser.get(f"/incidents/{ref}/review").text
    assert f"Record verified at {checkpoint.name}; checked 2026-11-23 12:00 UTC." in review
    assert "Legal hold: Doe v. Platform, placed by U_LEGAL on " in review

    with domain.engine.begin() as connection:
        connection.execute(text("UPDATE timeline_entries SET text = 'edited' WHERE text = 'Scam domain blocked.'"))
    assert "Record verified" in browser.get(f"/incidents/{ref}").text, "until the next verification"
    check_logs(domain, Settings())
    page = browser.get(f"/incidents/{ref}").text
    assert f"Record NOT verified: 1 problem found 2026-11-23 12:00 UTC; run vigil verify {ref}." in page
