from incidents.context import Domain
from incidents.enums import Tier
from incidents.queries import IncidentFilter, incident_to_show, is_member, list_incidents
from tests.helpers import declared_ref


def test_restricted_incidents_are_listed_exactly_for_their_members(domain: Domain) -> None:
    """The list filter and ``is_member`` agree: a declarer who handed command to someone else still sees it."""
    ref = declared_ref(domain, actor="U_DECLARER", commander="U_CMDR", tier=Tier.RESTRICTED)
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        for person, member in (("U_DECLARER", True), ("U_CMDR", True), ("U_OUTSIDER", False)):
            listed = [i.ref for i in list_incidents(ctx, IncidentFilter(visible_to=person))]
            assert is_member(incident, person) is member
            assert (ref in listed) is member, person
