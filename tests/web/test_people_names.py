"""The web incident page names people: terminal users by their name, Slack people by the name Vigil learnt, and
the people a captured message mentions by name even when it was captured before Vigil knew them."""

from __future__ import annotations

from incidents import lifecycle, roles, timeline
from incidents.context import Domain
from incidents.enums import Severity
from incidents.mentions import Mention
from incidents.people import resolve_person, upsert_person
from tests.web.conftest import SignIn
from tests.web.scenario import World


def test_the_incident_page_shows_people_by_name(sign_in: SignIn, world: World, domain: Domain) -> None:
    bob_id = world.bob
    with domain.unit() as ctx:
        resolve_person(ctx, "cli:ana")
        upsert_person(ctx, bob_id, display_name="Bob Okafor")
        ref = lifecycle.declare(
            ctx, actor="cli:ana", title="Scam wave", types=["fraud_scam"], severity=Severity.SEV2, commander=world.alice
        ).ref
        roles.assign_role(ctx, ref, actor="cli:ana", role="scribe", person=bob_id)
        mention = f"@{bob_id}"
        timeline.add_note(
            ctx, ref, actor="cli:ana", text=f"Paged {mention}", mentions=[Mention(bob_id, 6, 6 + len(mention))]
        )

    page = sign_in(world.alice).get(f"/incidents/{ref}").text

    assert "Alice Moreau" in page and "Bob Okafor" in page and "ana" in page
    assert "Paged @Bob Okafor" in page
    assert bob_id not in page and world.alice not in page and "cli:ana" not in page
