"""Who may see or do what with an incident: the one access policy (:mod:`.policy`), the membership facts it is
decided from (:mod:`.members`), and the web view's viewers (:mod:`.viewers`).

Readers that open an incident by reference go through :mod:`incidents.access.reading` (the web view) or
:func:`incidents.access.members.standing` (every other surface): the decision comes first, from one light row,
and only then is the incident loaded. Anyone refused an incident they may not know of is told it does not exist,
with the answer a reference never issued gets.
"""

from incidents.access.members import is_member, member_clause, standing, standing_of, visible_clause
from incidents.access.policy import (
    Act,
    Audience,
    Sight,
    Standing,
    ViewerKind,
    Who,
    acting,
    allows,
    counts_restricted,
    permits,
    sight_of,
)
from incidents.access.viewers import Viewer, make_viewer, sight

__all__ = [
    "Act",
    "Audience",
    "Sight",
    "Standing",
    "Viewer",
    "ViewerKind",
    "Who",
    "acting",
    "allows",
    "counts_restricted",
    "is_member",
    "make_viewer",
    "member_clause",
    "permits",
    "sight",
    "sight_of",
    "standing",
    "standing_of",
    "visible_clause",
]
