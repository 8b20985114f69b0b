"""Push actions to the tracker from the outbox: idempotent create, field-level updates, and giving up loudly.

Each delivery loops "read the action, push what differs from the last push, record it" until nothing differs,
so an edit committed while a push was in flight is picked up by the same delivery. No database transaction is
held open across a tracker call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from incidents.actions import record_sync
from incidents.context import Ctx, Domain
from incidents.dispatcher import Handler, RetryLater
from incidents.effects import audit, changed
from incidents.enums import ActionStatus, SyncState
from incidents.models import Action, Person
from incidents.outbox import OutboxMessage, Topic, enqueue
from incidents.tracker.content import SyncConfig, desired, identity_label, target
from incidents.tracker.models import TrackerLink
from incidents.tracker.port import Link, TicketFields, TicketState, Tracker, TrackerRejected, TrackerUnavailable

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "vigil"
CREATE_FIELDS = ("summary", "description", "labels", "priority", "duedate")
_MISSING = object()
CLAIM_LEASE = timedelta(minutes=2)  # far above a delivery's worst case: a few requests, each with a short timeout
CLAIM_WAIT = 2.0


def theirs_of(state: TicketState) -> dict[str, Any]:
    """The tracker-side values Vigil reads back, as stored in :attr:`TrackerLink.theirs`."""
    return {
        "status": state.status.value,
        "assignee": state.assignee,
        "duedate": state.due_date.isoformat() if state.due_date else None,
    }


def person_email(ctx: Ctx, key: str | None) -> str | None:
    person = ctx.session.get(Person, key) if key else None
    return person.email if person is not None else None


@dataclass(frozen=True)
class _Plan:
    want: dict[str, Any]
    ours: dict[str, Any]
    key: str | None
    label: str
    project: str
    issue_type: str
    owner_email: str | None


@dataclass
class TrackerSync:
    """The ``action.changed`` outbox handler and its give-up hook. Register :meth:`handlers` with the dispatcher
    and pass :meth:`on_give_up` as its ``on_give_up`` (it ignores other topics)."""

    domain: Domain
    tracker: Tracker
    config: SyncConfig
    rounds: int = 6

    def handlers(self) -> dict[Topic, Handler]:
        return {Topic.ACTION_CHANGED: self.deliver}

    def deliver(self, message: OutboxMessage) -> None:
        """Bring one action's ticket up to date. Transient tracker trouble becomes :class:`RetryLater` (with the
        tracker's Retry-After); a refusal marks the action ``sync_failed`` at once, since retrying cannot help.
        While another worker holds the action's claim this delivery waits (without spending its budget)."""
        action_id = int(message.payload["action_id"])
        if not self._claim(action_id):
            raise RetryLater("another worker is syncing this action", after=CLAIM_WAIT, counts=False)
        try:
            for _ in range(self.rounds):
                if self._step(action_id):
                    return
        except TrackerUnavailable as exc:
            self._release(action_id)
            raise RetryLater(str(exc), after=exc.retry_after) from exc
        except TrackerRejected as exc:
            log.warning("tracker refused action #%s: %s", action_id, exc)
            self.mark_failed(action_id, str(exc))
            return
        except Exception:
            self._release(action_id)
            raise
        self._release(action_id)
        raise RetryLater("the action kept changing while it was being synced", after=CLAIM_WAIT, counts=False)

    def _claim(self, action_id: int) -> bool:
        """Take the action's claim for :data:`CLAIM_LEASE`; False while someone else holds it."""
        try:
            with self.domain.unit() as ctx:
                now = ctx.now()
                link = ctx.session.get(TrackerLink, action_id, with_for_update=True)
                if link is None:
                    if ctx.session.get(Action, action_id) is None:
                        return True
                    link = TrackerLink(action_id=action_id, ours={}, theirs={}, updated_at=now)
                    ctx.session.add(link)
                elif link.claimed_until is not None and link.claimed_until > now:
                    return False
                link.claimed_until = now + CLAIM_LEASE
                return True
        except IntegrityError:
            return False  # another worker created the row first: it holds the claim

    def _release(self, action_id: int) -> None:
        with self.domain.unit() as ctx:
            link = ctx.session.get(TrackerLink, action_id, with_for_update=True)
            if link is not None:
                link.claimed_until = None

    def on_give_up(self, message: OutboxMessage, error: str) -> None:
        if message.topic == Topic.ACTION_CHANGED:
            self.mark_failed(int(message.payload["action_id"]), error)

    def mark_failed(self, action_id: int, reason: str) -> None:
        """Mark the action ``sync_failed`` and queue one ``action.sync_failed`` for the commander (none if it is
        already marked: the commander hears once per failure, however many deliveries fail)."""
        with self.domain.unit() as ctx:
            action = ctx.session.get(Action, action_id)
            if action is None:
                return
            link = ctx.session.get(TrackerLink, action_id, with_for_update=True)
            if link is not None:
                link.claimed_until = None
            if action.sync_state is SyncState.SYNC_FAILED:
                return
            record_sync(ctx, action_id, state=SyncState.SYNC_FAILED)
            audit(ctx, SYSTEM_ACTOR, "action.sync_failed", action.incident, action_id=action_id, reason=reason[:500])
            enqueue(
                ctx.session,
                Topic.ACTION_SYNC_FAILED,
                now=ctx.now(),
                incident_id=action.incident_id,
                payload={"action_id": action_id, "reason": reason[:500]},
                dedup_key=f"{Topic.ACTION_SYNC_FAILED}:{action_id}",
            )
            changed(ctx, action.incident)

    def _plan(self, action_id: int) -> _Plan | None:
        with self.domain.unit() as ctx:
            action = ctx.session.get(Action, action_id)
            if action is None:
                return None
            incident = action.incident
            link = ctx.session.get(TrackerLink, action_id)
            project, issue_type = target(self.config, ctx.policy, incident)
            return _Plan(
                want=desired(self.config, incident, action),
                ours=dict(link.ours) if link is not None and action.tracker_key else {},
                key=action.tracker_key if link is not None else None,
                label=identity_label(self.config, incident.ref, action_id),
                project=project,
                issue_type=issue_type,
                owner_email=person_email(ctx, action.owner),
            )

    def _step(self, action_id: int) -> bool:
        """One round; True when the ticket matches the action."""
        plan = self._plan(action_id)
        if plan is None:
            return True
        if plan.key is None:
            return self._create(action_id, plan)
        diff = {name: value for name, value in plan.want.items() if plan.ours.get(name, _MISSING) != value}
        if not diff:
            return self._record(action_id, plan.key, None, {}, {})
        fields = self._fields(diff, plan.owner_email)
        reached = self.tracker.update(plan.key, fields)
        theirs: dict[str, Any] = {}
        if "status" in fields and reached is not None:
            theirs["status"] = reached.value
        if "assignee" in fields:
            theirs["assignee"] = fields["assignee"]
        if "duedate" in fields:
            theirs["duedate"] = fields["duedate"]
        return self._record(action_id, plan.key, None, diff, theirs)

    def _create(self, action_id: int, plan: _Plan) -> bool:
        """Find the ticket by its identifying label (a previous attempt may have created it before timing out)
        or create it; record its key at once so no later failure can lead to a second ticket."""
        found = self.tracker.find(plan.label)
        if found is not None:
            return self._record(action_id, found.key, found.url, {}, theirs_of(found), fresh=True)
        wanted = {name: plan.want[name] for name in CREATE_FIELDS}
        fields = self._fields({**wanted, "owner": plan.want["owner"]}, plan.owner_email)
        state = self.tracker.create(plan.project, plan.issue_type, fields)
        ours = {**wanted, "status": state.status.value, "owner": plan.want["owner"]}
        return self._record(action_id, state.key, state.url, ours, theirs_of(state), fresh=True)

    def _fields(self, diff: dict[str, Any], owner_email: str | None) -> TicketFields:
        fields: dict[str, Any] = {k: v for k, v in diff.items() if k not in ("owner", "status", "link")}
        if "status" in diff:
            fields["status"] = ActionStatus(diff["status"])
        if "link" in diff:
            fields["link"] = Link(**diff["link"])
        if "owner" in diff:
            if diff["owner"] is None:
                fields["assignee"] = None
            elif owner_email and (user := self.tracker.find_user(owner_email)) is not None:
                fields["assignee"] = user
        return cast(TicketFields, fields)  # the diff is keyed by the names of TicketFields

    def _record(
        self,
        action_id: int,
        key: str,
        url: str | None,
        ours: dict[str, Any],
        theirs: dict[str, Any],
        *,
        fresh: bool = False,
    ) -> bool:
        """Store what was pushed; True (and the action marked synced) when nothing is left to push."""
        with self.domain.unit() as ctx:
            action = ctx.session.get(Action, action_id)
            if action is None:
                return True
            link = ctx.session.get(TrackerLink, action_id, with_for_update=True)
            if link is None:
                link = TrackerLink(action_id=action_id, ours={}, theirs={}, updated_at=ctx.now())
                ctx.session.add(link)
            if fresh:
                link.ours, link.theirs = dict(ours), dict(theirs)
                record_sync(ctx, action_id, state=action.sync_state, key=key, url=url)
                changed(ctx, action.incident)
            elif ours or theirs:
                link.ours, link.theirs = {**link.ours, **ours}, {**link.theirs, **theirs}
            link.updated_at = ctx.now()
            want = desired(self.config, action.incident, action)
            in_sync = all(link.ours.get(name, _MISSING) == value for name, value in want.items())
            if in_sync:
                link.claimed_until = None
            if in_sync and action.sync_state is not SyncState.SYNCED:
                record_sync(ctx, action_id, state=SyncState.SYNCED)
                changed(ctx, action.incident)
            return in_sync


def resync(domain: Domain, *, include_local: bool = False) -> int:
    """Queue every ``sync_failed`` action (and, with ``include_local``, actions created before a tracker was
    configured) for another delivery with a fresh retry budget. Returns how many were queued."""
    states = [SyncState.SYNC_FAILED, *([SyncState.LOCAL] if include_local else [])]
    with domain.unit() as ctx:
        queued = list(ctx.session.scalars(select(Action).where(Action.sync_state.in_(states)).order_by(Action.id)))
        for action in queued:
            action.sync_state = SyncState.PENDING
            enqueue(
                ctx.session,
                Topic.ACTION_CHANGED,
                now=ctx.now(),
                incident_id=action.incident_id,
                payload={"action_id": action.id},
                dedup_key=f"{Topic.ACTION_CHANGED}:{action.id}",
            )
        return len(queued)
