"""Apply what changed in the tracker to Vigil's actions (never to referrals): shared by the webhook and the reconcile
job.

Only fields the tracker changed since Vigil last saw them are applied (see :class:`TrackerLink`), so our own pushes
coming back are no-ops, a stale read cannot undo an edit still waiting in the outbox, and a resolution is
announced in the incident channel once however many times it is reported.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from incidents.actions import ActionChanges, update_action
from incidents.context import Ctx, Domain
from incidents.models import Action
from incidents.people import person_by_email
from incidents.tracker.models import TrackerCursor, TrackerLink
from incidents.tracker.port import TicketState, Tracker
from incidents.tracker.sync import theirs_of

TRACKER_ACTOR = "jira"
_OURS_NAME = {"assignee": "owner"}  # the tracker's assignee is pushed from Vigil's owner


def apply_remote(ctx: Ctx, state: TicketState, *, actor: str = TRACKER_ACTOR) -> bool:
    """Apply the tracker's view of one ticket; True when the action changed. Unknown tickets are ignored, and so
    are states older than the last one applied (webhooks may arrive out of order). So are referrals' issues: a
    referral moves in Vigil, where the process it went to reports back, and its issue only follows it."""
    action = ctx.session.scalar(select(Action).where(Action.tracker_key == state.key))
    if action is None:
        return False
    link = ctx.session.get(TrackerLink, action.id, with_for_update=True)
    if link is None:
        return False
    theirs, ours = dict(link.theirs), dict(link.ours)
    seen = theirs.get("updated")
    if state.updated is not None and seen and state.updated < datetime.fromisoformat(seen):
        return False
    incoming = theirs_of(state)
    moved = {name for name, value in incoming.items() if theirs.get(name) != value}
    changes: dict[str, Any] = {}
    if "status" in moved and state.status is not action.status:
        changes |= {"status": state.status, "resolution": state.resolution}
    if "assignee" in moved:
        owner = person_by_email(ctx, state.assignee_email) if state.assignee else None
        if (state.assignee is None or owner is not None) and owner != action.owner:
            changes["owner"] = owner
    if "duedate" in moved and state.due_date != action.due_date:
        changes["due_date"] = state.due_date
    if changes:
        update_action(ctx, action.id, ActionChanges(**changes), actor=actor, from_tracker=True)
    mine = {
        "status": action.status.value,
        "owner": action.owner,
        "duedate": action.due_date.isoformat() if action.due_date else None,
    }
    for name in moved:
        ours[_OURS_NAME.get(name, name)] = mine[_OURS_NAME.get(name, name)]
    theirs |= incoming
    if state.updated is not None:
        theirs["updated"] = state.updated.isoformat()
    link.ours, link.theirs, link.updated_at = ours, theirs, ctx.now()
    return bool(changes)


def reconcile(domain: Domain, tracker: Tracker, *, name: str = "jira") -> int:
    """Apply every ticket the tracker changed since the last run (for sites that cannot send webhooks). Returns
    how many actions changed. Safe to run concurrently with webhooks and to re-run: applying is idempotent. A
    :class:`~incidents.tracker.port.TrackerError` propagates and leaves the high-water mark where it was."""
    with domain.unit() as ctx:
        cursor = ctx.session.get(TrackerCursor, name)
        since = cursor.seen_until if cursor is not None else None
    applied, newest = 0, since
    for state in tracker.changed_since(since):
        with domain.unit() as ctx:
            applied += apply_remote(ctx, state)
        if state.updated is not None and (newest is None or state.updated > newest):
            newest = state.updated
    if newest is not None and newest != since:
        with domain.unit() as ctx:
            cursor = ctx.session.get(TrackerCursor, name, with_for_update=True)
            if cursor is None:
                ctx.session.add(TrackerCursor(name=name, seen_until=newest))
            elif newest > cursor.seen_until:
                cursor.seen_until = newest
    return applied
