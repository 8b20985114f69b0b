"""Who is a member of an incident, in Python and in SQL side by side, and the light read every decision starts
from.

Members of an incident are the people who hold or held one of its roles, or declared it. :func:`standing` reads
what :func:`incidents.access.policy.allows` needs of one incident (its tier, and whether the viewer is a member)
in one statement of one row, so a surface decides before it loads the incident's history: a refused incident
then costs what a missing reference costs, and timing tells nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from incidents.access.policy import Act, Standing, Who, allows
from incidents.enums import Tier
from incidents.models import Incident, RoleAssignment
from incidents.refs import normalise_ref


def is_member(incident: Incident, person: str) -> bool:
    """Whether ``person`` declared ``incident`` or holds or held one of its roles (its roles loaded)."""
    return person == incident.declared_by or any(r.person == person for r in incident.roles)


def member_clause(person: str) -> ColumnElement[bool]:
    """:func:`is_member` in SQL, for a query over :class:`Incident`."""
    holds_role = exists().where(RoleAssignment.incident_id == Incident.id, RoleAssignment.person == person)
    return or_(Incident.declared_by == person, holds_role)


def visible_clause(who: Who, act: Act = Act.SEE_INCIDENT) -> ColumnElement[bool] | None:
    """The incidents on which ``who`` may do ``act``, as a condition over :class:`Incident` derived from the policy
    (None: every incident). Lists, searches and the API's change feed filter with it, so a list never shows what
    the incident's page would refuse."""
    anyone = [tier for tier in Tier if allows(who.kind, tier, False, act)]
    members = [tier for tier in Tier if tier not in anyone and allows(who.kind, tier, True, act)]
    if len(anyone) == len(Tier):
        return None
    parts: list[ColumnElement[bool]] = []
    if anyone:
        parts.append(Incident.tier.in_(anyone))
    if members:
        parts.append(and_(Incident.tier.in_(members), member_clause(who.key)))
    return or_(*parts) if parts else false()


def standing(
    session: Session,
    who: Who,
    *,
    ref: str | None = None,
    incident_id: int | None = None,
    where: ColumnElement[bool] | None = None,
) -> Standing | None:
    """The incident's tier and whether ``who`` is a member, by reference, by id or by a condition over
    :class:`Incident` (the incident of a referral); None when there is none. One statement, one row: nothing of the
    incident's history is read."""
    query = select(Incident.id, Incident.ref, Incident.tier, member_clause(who.key))
    if ref is not None:
        query = query.where(Incident.ref == normalise_ref(ref))
    elif incident_id is not None:
        query = query.where(Incident.id == incident_id)
    elif where is not None:
        query = query.where(where)
    else:
        raise TypeError("standing() needs a ref, an incident_id or a condition")
    row = session.execute(query).one_or_none()
    if row is None:
        return None
    found_id, found_ref, tier, member = row
    return Standing(found_id, found_ref, tier, bool(member))


def standing_of(incident: Incident, who: Who) -> Standing:
    """:func:`standing` of an incident already loaded (with its roles)."""
    return Standing(incident.id, incident.ref, incident.tier, is_member(incident, who.key))
