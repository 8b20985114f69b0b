import pytest

from incidents import lifecycle, roles
from incidents.context import Domain
from incidents.enums import HandoffState, TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.queries import incident_to_show
from tests.helpers import declared_ref, outbox_topics


def test_assign_and_relieve_roles_with_history(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        roles.assign_role(ctx, ref, actor="U_ALICE", role="Scribe", person="U_BOB")
        roles.assign_role(ctx, ref, actor="U_ALICE", role="sme", person="U_CAROL")
        roles.assign_role(ctx, ref, actor="U_ALICE", role="sme", person="U_DAN")
    with domain.unit() as ctx:
        roles.relieve_role(ctx, ref, actor="U_ALICE", role="sme", person="U_CAROL")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.current_holders("scribe") == ["U_BOB"]
        assert incident.current_holders("sme") == ["U_DAN"]
        carol = next(r for r in incident.roles if r.person == "U_CAROL")
        assert carol.relieved_at is not None
        assert "<@U_BOB> is now scribe." in [e.text for e in incident.timeline]


@pytest.mark.parametrize(
    ("role", "person", "message"),
    [
        ("astronaut", "U_BOB", "Unknown role"),
        ("commander", "U_BOB", "already has a commander"),
        ("commander", "U_ALICE", "already commander"),
    ],
)
def test_role_refusals(domain: Domain, role: str, person: str, message: str) -> None:
    ref = declared_ref(domain)
    with pytest.raises(VigilError, match=message), domain.unit() as ctx:
        roles.assign_role(ctx, ref, actor="U_ALICE", role=role, person=person)


def test_relieving_someone_who_does_not_hold_the_role_or_the_commander(domain: Domain) -> None:
    ref = declared_ref(domain)
    with pytest.raises(VigilError, match="not scribe"), domain.unit() as ctx:
        roles.relieve_role(ctx, ref, actor="U_ALICE", role="scribe", person="U_BOB")
    with pytest.raises(VigilError, match="handing off"), domain.unit() as ctx:
        roles.relieve_role(ctx, ref, actor="U_ALICE", role="commander", person="U_ALICE")


def test_handoff_changes_nothing_until_accepted(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        request_id = roles.handoff(ctx, ref, actor="U_ALICE", to="U_BOB").id
    assert "handoff.requested" in outbox_topics(domain)
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).commander == "U_ALICE"
    with pytest.raises(VigilError, match="Only the person"), domain.unit() as ctx:
        roles.accept_handoff(ctx, request_id, actor="U_MALLORY")
    with domain.unit() as ctx:
        roles.accept_handoff(ctx, request_id, actor="U_BOB")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.commander == "U_BOB"
        assert len(incident.current_holders("commander")) == 1
        assert incident.handoffs[0].state is HandoffState.ACCEPTED
        assert incident.timeline[-1].kind is TimelineKind.HANDOFF
        assert incident.timeline[-1].text == "<@U_BOB> accepted command from <@U_ALICE>."
    with pytest.raises(VigilError, match="already accepted"), domain.unit() as ctx:
        roles.accept_handoff(ctx, request_id, actor="U_BOB")


def test_newer_handoff_replaces_pending_and_decline_keeps_commander(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        first = roles.handoff(ctx, ref, actor="U_ALICE", to="U_BOB").id
        second = roles.handoff(ctx, ref, actor="U_ALICE", to="U_CAROL").id
    with pytest.raises(VigilError, match="already cancelled"), domain.unit() as ctx:
        roles.accept_handoff(ctx, first, actor="U_BOB")
    with domain.unit() as ctx:
        roles.decline_handoff(ctx, second, actor="U_CAROL")
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).commander == "U_ALICE"


def test_handoff_refusals(domain: Domain) -> None:
    ref = declared_ref(domain)
    with pytest.raises(VigilError, match="already the commander"), domain.unit() as ctx:
        roles.handoff(ctx, ref, actor="U_ALICE", to="U_ALICE")
    with pytest.raises(NotFound), domain.unit() as ctx:
        roles.accept_handoff(ctx, 999, actor="U_BOB")
    with domain.unit() as ctx:
        request_id = roles.handoff(ctx, ref, actor="U_ALICE", to="U_BOB").id
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    with pytest.raises(VigilError, match="lapsed"), domain.unit() as ctx:
        roles.accept_handoff(ctx, request_id, actor="U_BOB")
    with pytest.raises(VigilError, match="frozen"), domain.unit() as ctx:
        roles.assign_role(ctx, ref, actor="U_ALICE", role="scribe", person="U_BOB")
