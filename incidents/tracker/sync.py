"""Push actions and referrals to the tracker from the outbox: idempotent create, field-level updates, and giving up
loudly.

Each delivery loops "read the subject, push what differs from the last push, record it" until nothing differs,
so an edit committed while a push was in flight is picked up by the same delivery. No database transaction is
held open across a tracker call. What differs between an action and a referral (what its ticket says, where its
key is kept, how a failure is told) is a :class:`Subject`; the engine is the same for both.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from incidents.actions import get_action, queue_sync, record_sync
from incidents.context import Ctx, Domain
from incidents.db import Base
from incidents.dispatcher import Handler, RetryLater
from incidents.effects import audit, changed, write_entry
from incidents.enums import ActionStatus, SyncState, TimelineKind
from incidents.models import Action, Person
from incidents.outbox import OutboxMessage, Topic, enqueue
from incidents.referrals.models import Referral
from incidents.referrals.service import kind_label
from incidents.tracker.content import (
    SyncConfig,
    desired,
    desired_referral,
    identity_label,
    referral_target,
    target,
)
from incidents.tracker.models import ReferralTrackerLink, SyncLink, TrackerLink
from incidents.tracker.port import Link, TicketFields, TicketState, Tracker, TrackerRejected, TrackerUnavailable

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "vigil"
CREATE_FIELDS = ("summary", "description", "labels", "priority", "duedate")
_MISSING = object()
CLAIM_LEASE = timedelta(minutes=2)  # far above a delivery's worst case: a few requests, each with a short timeout
CLAIM_WAIT = 2.0


def theirs_of(state: TicketState) -> dict[str, Any]:
    """The tracker-side values Vigil reads back, as stored in :attr:`SyncLink.theirs`."""
    return {
        "status": state.status.value,
        "assignee": state.assignee,
        "duedate": state.due_date.isoformat() if state.due_date else None,
    }


def person_email(ctx: Ctx, key: str | None) -> str | None:
    person = ctx.session.get(Person, key) if key else None
    return person.email if person is not None else None


@dataclass(frozen=True)
class Wanted:
    """One subject's ticket as Vigil wants it now: ``want`` is keyed like
    :class:`~incidents.tracker.port.TicketFields` (with ``owner``, Vigil's person key, for the assignee)."""

    want: dict[str, Any]
    key: str | None
    label: str
    project: str
    issue_type: str
    owner: str | None


class Subject(ABC):
    """What the sync keeps a ticket for. ``topic`` is its outbox topic, whose payload carries ``<noun>_id``;
    ``link`` the table of its :class:`SyncLink` rows."""

    topic: ClassVar[Topic]
    noun: ClassVar[str]
    model: ClassVar[type[Base]]
    link: ClassVar[type[SyncLink]]

    @property
    def payload_key(self) -> str:
        return f"{self.noun}_id"

    def new_link(self, subject_id: int, ctx: Ctx) -> SyncLink:
        return self.link(**{self.payload_key: subject_id}, ours={}, theirs={}, updated_at=ctx.now())

    @abstractmethod
    def wanted(self, ctx: Ctx, config: SyncConfig, subject_id: int) -> Wanted | None:
        """Its ticket as wanted now; None when it is gone or has no ticket to keep."""

    @abstractmethod
    def filed(self, ctx: Ctx, subject_id: int, key: str, url: str | None) -> None:
        """Keep the key of its ticket, just created or found."""

    @abstractmethod
    def settled(self, ctx: Ctx, subject_id: int, link: SyncLink) -> None:
        """Its ticket matches it: clear any failure shown."""

    @abstractmethod
    def failed(self, ctx: Ctx, subject_id: int, link: SyncLink | None, reason: str) -> None:
        """Syncing gave up (or the tracker refused): tell the incident's people, once per failure."""


class ActionSubject(Subject):
    """An action's ticket; failures show as its ``sync_state`` and an ``action.sync_failed`` to the commander."""

    topic = Topic.ACTION_CHANGED
    noun = "action"
    model = Action
    link = TrackerLink

    def wanted(self, ctx: Ctx, config: SyncConfig, subject_id: int) -> Wanted | None:
        action = ctx.session.get(Action, subject_id)
        if action is None:
            return None
        incident = action.incident
        project, issue_type = target(config, ctx.policy, incident)
        label = identity_label(config, incident.ref, subject_id)
        return Wanted(desired(config, incident, action), action.tracker_key, label, project, issue_type, action.owner)

    def filed(self, ctx: Ctx, subject_id: int, key: str, url: str | None) -> None:
        action = get_action(ctx, subject_id)
        record_sync(ctx, subject_id, state=action.sync_state, key=key, url=url)
        changed(ctx, action.incident)

    def settled(self, ctx: Ctx, subject_id: int, link: SyncLink) -> None:
        action = ctx.session.get(Action, subject_id)
        if action is not None and action.sync_state is not SyncState.SYNCED:
            record_sync(ctx, subject_id, state=SyncState.SYNCED)
            changed(ctx, action.incident)

    def failed(self, ctx: Ctx, subject_id: int, link: SyncLink | None, reason: str) -> None:
        action = ctx.session.get(Action, subject_id)
        if action is None or action.sync_state is SyncState.SYNC_FAILED:
            return
        record_sync(ctx, subject_id, state=SyncState.SYNC_FAILED)
        audit(ctx, SYSTEM_ACTOR, "action.sync_failed", action.incident, action_id=subject_id, reason=reason[:500])
        enqueue(
            ctx.session,
            Topic.ACTION_SYNC_FAILED,
            now=ctx.now(),
            incident_id=action.incident_id,
            payload={"action_id": subject_id, "reason": reason[:500]},
            once_for=subject_id,
        )
        changed(ctx, action.incident)


class ReferralSubject(Subject):
    """A referral's issue in its kind's project; a failure goes on the incident's timeline (and its channel)."""

    topic = Topic.REFERRAL_CHANGED
    noun = "referral"
    model = Referral
    link = ReferralTrackerLink

    def wanted(self, ctx: Ctx, config: SyncConfig, subject_id: int) -> Wanted | None:
        referral = ctx.session.get(Referral, subject_id)
        if referral is None:
            return None
        goes = referral_target(config, ctx.policy, referral)
        if goes is None and referral.tracker_key is None:
            return None
        project, issue_type = goes or ("", "")  # an issue already filed is updated wherever it is
        incident = referral.incident
        want = desired_referral(config, incident, referral, kind_label(ctx.policy, referral.kind))
        label = identity_label(config, incident.ref, subject_id, of="referral")
        return Wanted(want, referral.tracker_key, label, project, issue_type, referral.owner)

    def filed(self, ctx: Ctx, subject_id: int, key: str, url: str | None) -> None:
        referral = ctx.session.get(Referral, subject_id)
        if referral is not None:
            referral.tracker_key = key

    def settled(self, ctx: Ctx, subject_id: int, link: SyncLink) -> None:
        cast(ReferralTrackerLink, link).failed_at = None

    def failed(self, ctx: Ctx, subject_id: int, link: SyncLink | None, reason: str) -> None:
        referral = ctx.session.get(Referral, subject_id)
        if referral is None:
            return
        if link is None:
            link = self.new_link(subject_id, ctx)
            ctx.session.add(link)
        kept = cast(ReferralTrackerLink, link)
        if kept.failed_at is not None:
            return
        kept.failed_at = ctx.now()
        doing = f"updated in Jira ({referral.tracker_key})" if referral.tracker_key else "filed in Jira"
        write_entry(
            ctx,
            referral.incident,
            kind=TimelineKind.REFERRAL,
            actor=SYSTEM_ACTOR,
            text=f"Referral #{subject_id} ({kind_label(ctx.policy, referral.kind)}) could not be {doing}: "
            f"{reason[:500].rstrip('.')}. Check that Jira has the project the policy pack's referral kind names "
            f"(jira_project); Vigil tries again at the referral's next change.",
            audit_action="referral.sync_failed",
            data={"referral_id": subject_id},
        )


SUBJECTS: dict[Topic, Subject] = {subject.topic: subject for subject in (ActionSubject(), ReferralSubject())}


def _subject_of(topic: str) -> Subject | None:
    try:
        return SUBJECTS.get(Topic(topic))
    except ValueError:
        return None  # a topic this version does not know


@dataclass(frozen=True)
class _Plan:
    wanted: Wanted
    ours: dict[str, Any]
    key: str | None
    owner_email: str | None


@dataclass
class TrackerSync:
    """The tracker's outbox handlers (``action.changed``, ``referral.changed``) and their give-up hook. Register
    :meth:`handlers` with the dispatcher and pass :meth:`on_give_up` as its ``on_give_up`` (it ignores other
    topics)."""

    domain: Domain
    tracker: Tracker
    config: SyncConfig
    rounds: int = 6

    def handlers(self) -> dict[Topic, Handler]:
        return {topic: self.deliver for topic in SUBJECTS}

    def deliver(self, message: OutboxMessage) -> None:
        """Bring one subject's ticket up to date. Transient tracker trouble becomes :class:`RetryLater` (with the
        tracker's Retry-After); a refusal marks the subject failed at once, since retrying cannot help.
        While another worker holds the subject's claim this delivery waits (without spending its budget)."""
        subject = SUBJECTS[Topic(message.topic)]  # only this class's topics are routed here
        subject_id = int(message.payload[subject.payload_key])
        if not self._claim(subject, subject_id):
            raise RetryLater(f"another worker is syncing this {subject.noun}", after=CLAIM_WAIT, counts=False)
        try:
            for _ in range(self.rounds):
                if self._step(subject, subject_id):
                    return
        except TrackerUnavailable as exc:
            self._release(subject, subject_id)
            raise RetryLater(str(exc), after=exc.retry_after) from exc
        except TrackerRejected as exc:
            log.warning("tracker refused %s #%s: %s", subject.noun, subject_id, exc)
            self.mark_failed(subject.topic, subject_id, str(exc))
            return
        except Exception:
            self._release(subject, subject_id)
            raise
        self._release(subject, subject_id)
        raise RetryLater(f"the {subject.noun} kept changing while it was being synced", after=CLAIM_WAIT, counts=False)

    def _claim(self, subject: Subject, subject_id: int) -> bool:
        """Take the subject's claim for :data:`CLAIM_LEASE`; False while someone else holds it."""
        try:
            with self.domain.unit() as ctx:
                now = ctx.now()
                link = ctx.session.get(subject.link, subject_id, with_for_update=True)
                if link is None:
                    if ctx.session.get(subject.model, subject_id) is None:
                        return True
                    link = subject.new_link(subject_id, ctx)
                    ctx.session.add(link)
                elif link.claimed_until is not None and link.claimed_until > now:
                    return False
                link.claimed_until = now + CLAIM_LEASE
                return True
        except IntegrityError:
            return False  # another worker created the row first: it holds the claim

    def _release(self, subject: Subject, subject_id: int) -> None:
        with self.domain.unit() as ctx:
            link = ctx.session.get(subject.link, subject_id, with_for_update=True)
            if link is not None:
                link.claimed_until = None

    def on_give_up(self, message: OutboxMessage, error: str) -> None:
        subject = _subject_of(message.topic)
        if subject is not None:
            self.mark_failed(subject.topic, int(message.payload[subject.payload_key]), error)

    def mark_failed(self, topic: Topic, subject_id: int, reason: str) -> None:
        """Mark the subject of ``topic`` failed and tell its incident's people (once however many deliveries fail:
        an action's commander through ``action.sync_failed``, a referral's incident on its timeline)."""
        subject = SUBJECTS[topic]
        with self.domain.unit() as ctx:
            link = ctx.session.get(subject.link, subject_id, with_for_update=True)
            if link is not None:
                link.claimed_until = None
            subject.failed(ctx, subject_id, link, reason)

    def _plan(self, subject: Subject, subject_id: int) -> _Plan | None:
        with self.domain.unit() as ctx:
            wanted = subject.wanted(ctx, self.config, subject_id)
            if wanted is None:
                return None
            link = ctx.session.get(subject.link, subject_id)
            return _Plan(
                wanted=wanted,
                ours=dict(link.ours) if link is not None and wanted.key else {},
                key=wanted.key if link is not None else None,
                owner_email=person_email(ctx, wanted.owner),
            )

    def _step(self, subject: Subject, subject_id: int) -> bool:
        """One round; True when the ticket matches the subject."""
        plan = self._plan(subject, subject_id)
        if plan is None:
            return True
        if plan.key is None:
            return self._create(subject, subject_id, plan)
        diff = {name: value for name, value in plan.wanted.want.items() if plan.ours.get(name, _MISSING) != value}
        if not diff:
            return self._record(subject, subject_id, plan.key, None, {}, {})
        fields = self._fields(diff, plan.owner_email)
        reached = self.tracker.update(plan.key, fields)
        theirs: dict[str, Any] = {}
        if "status" in fields and reached is not None:
            theirs["status"] = reached.value
        if "assignee" in fields:
            theirs["assignee"] = fields["assignee"]
        if "duedate" in fields:
            theirs["duedate"] = fields["duedate"]
        return self._record(subject, subject_id, plan.key, None, diff, theirs)

    def _create(self, subject: Subject, subject_id: int, plan: _Plan) -> bool:
        """Find the ticket by its identifying label (a previous attempt may have created it before timing out)
        or create it; record its key at once so no later failure can lead to a second ticket."""
        found = self.tracker.find(plan.wanted.label)
        if found is not None:
            return self._record(subject, subject_id, found.key, found.url, {}, theirs_of(found), fresh=True)
        want = plan.wanted.want
        wanted = {name: want[name] for name in CREATE_FIELDS if name in want}
        fields = self._fields({**wanted, "owner": want["owner"]}, plan.owner_email)
        state = self.tracker.create(plan.wanted.project, plan.wanted.issue_type, fields)
        ours = {**wanted, "status": state.status.value, "owner": want["owner"]}
        return self._record(subject, subject_id, state.key, state.url, ours, theirs_of(state), fresh=True)

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
        subject: Subject,
        subject_id: int,
        key: str,
        url: str | None,
        ours: dict[str, Any],
        theirs: dict[str, Any],
        *,
        fresh: bool = False,
    ) -> bool:
        """Store what was pushed; True (and the subject marked in sync) when nothing is left to push."""
        with self.domain.unit() as ctx:
            wanted = subject.wanted(ctx, self.config, subject_id)
            if wanted is None:
                return True
            link = ctx.session.get(subject.link, subject_id, with_for_update=True)
            if link is None:
                link = subject.new_link(subject_id, ctx)
                ctx.session.add(link)
            if fresh:
                link.ours, link.theirs = dict(ours), dict(theirs)
                subject.filed(ctx, subject_id, key, url)
            elif ours or theirs:
                link.ours, link.theirs = {**link.ours, **ours}, {**link.theirs, **theirs}
            link.updated_at = ctx.now()
            in_sync = all(link.ours.get(name, _MISSING) == value for name, value in wanted.want.items())
            if in_sync:
                link.claimed_until = None
                subject.settled(ctx, subject_id, link)
            return in_sync


def resync(domain: Domain, *, include_local: bool = False) -> int:
    """Queue every ``sync_failed`` action (and, with ``include_local``, actions created before a tracker was
    configured) for another delivery with a fresh retry budget. Returns how many were queued."""
    states = [SyncState.SYNC_FAILED, *([SyncState.LOCAL] if include_local else [])]
    with domain.unit() as ctx:
        queued = list(ctx.session.scalars(select(Action).where(Action.sync_state.in_(states)).order_by(Action.id)))
        for action in queued:
            action.sync_state = SyncState.PENDING
            queue_sync(ctx, action)
        return len(queued)
