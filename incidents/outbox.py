"""Side effects the domain wants (Slack messages, Jira issues...) recorded as rows in the same transaction as the
state change that wants them. :mod:`incidents.dispatcher` delivers them later, with retries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from incidents.context import deliver_on_commit
from incidents.db import Base, UTCDateTime

_QUEUED_KEYS = "vigil.outbox.queued_dedup_keys"

PENDING = "pending"
DONE = "done"
FAILED = "failed"


class Topic(StrEnum):
    """What an outbox row asks for; adapters register one handler per topic with the dispatcher.

    Rows store the value, so values never change. A topic that is not listed here cannot be queued (enqueue
    refuses it), so a typo fails where it is written rather than as an undeliverable row.
    """

    INCIDENT_DECLARED = "incident.declared"
    """Provision the incident's channel, card and announcement; payload ``{"invite": [person, ...]}``."""
    INCIDENT_CHANGED = "incident.changed"
    """Refresh what shows the incident's state (card, topic, announcement). No payload."""
    CHANNEL_TOPIC = "incident.topic"
    """Bring the incident channel's topic up to date, coalesced: at most once per interval per channel. No payload."""
    TIMELINE_ADDED = "incident.timeline"
    """Post a notable timeline entry to the channel; payload ``{"entry_id": int}``."""
    HANDOFF_REQUESTED = "handoff.requested"
    """Ask the proposed commander to accept or decline; payload ``{"handoff_id": int}``."""
    ACTION_CHANGED = "action.changed"
    """Push an action to the tracker; payload ``{"action_id": int}``."""
    ACTION_SYNC_FAILED = "action.sync_failed"
    """Tell the commander, once per failure, that an action's sync gave up; payload ``{"action_id", "reason"}``."""
    REFERRAL_CHANGED = "referral.changed"
    """File a referral in its kind's Jira project, or update its issue; payload ``{"referral_id": int}``."""
    REVIEW_PUBLISHED = "review.published"
    """Post the published review's summary and page; payload ``{"review_id": int}``."""
    REVIEW_BOOKMARK = "review.bookmark"
    """Bookmark the review's web page in the incident channel. No payload."""
    SIGNALS_NOTE = "signals.note"
    """Put an attached group's newest signals on its incident's timeline as one entry; payload ``{"group_id"}``."""
    SIGNALS_CHECK = "signals.check"
    """See whether a waiting group reached the policy's threshold, once the reports in flight have landed (each
    report counts only what it sees, so reports arriving together on several replicas can all fall short);
    payload ``{"group_id"}``."""
    SIGNALS_DECLARE = "signals.declare"
    """Declare an incident from a group that reached the policy's threshold; payload ``{"group_id"}``."""
    SIGNALS_TRIAGE = "signals.triage"
    """Post a group waiting for triage to the triage channel, or bring that post up to date; payload
    ``{"group_id"}``."""
    PAGE_TRIGGER = "page.trigger"
    """Send a page to its paging service; payload ``{"page_id": int}``."""
    PAGE_RESOLVE = "page.resolve"
    """Tell the paging service the incident is resolved; payload ``{"page_id": int}``."""
    PAGE_ACK_DUE = "page.ack_due"
    """Queued for the page's acknowledgement deadline: escalate if nobody acknowledged; payload ``{"page_id"}``."""
    PAGE_ON_CALL = "page.on_call"
    """Ask the paging service who is on call for a sent page and invite them to the channel; payload ``{"page_id"}``."""
    RECORD_ANCHOR = "record.anchor"
    """Post a checkpoint's hash to the record channel, outside the database; payload ``{"seq": int}``."""
    # The scheduler's nudges, one topic per NudgeKind (its ``topic``); payload ``{"nudge_id": int}``.
    NUDGE_UPDATE_DUE = "nudge.update_due"
    NUDGE_CLOCK_REMINDER = "nudge.clock_reminder"
    NUDGE_CLOCK_OVERDUE = "nudge.clock_overdue"
    NUDGE_ACTION_DUE_SOON = "nudge.action_due_soon"
    NUDGE_ACTION_OVERDUE = "nudge.action_overdue"
    NUDGE_TASK_DUE_SOON = "nudge.task_due_soon"
    NUDGE_TASK_OVERDUE = "nudge.task_overdue"
    NUDGE_REFERRAL_OVERDUE = "nudge.referral_overdue"
    NUDGE_REVIEW_DUE = "nudge.review_due"
    NUDGE_HANDOFF_BOUNDARY = "nudge.handoff_boundary"
    NUDGE_HANDOFF_ESCALATION = "nudge.handoff_escalation"
    NUDGE_ROTATE = "nudge.rotate"
    NUDGE_CHECKIN = "nudge.checkin"
    NUDGE_ACTIONS_DIGEST = "nudge.actions_digest"
    NUDGE_LEADERSHIP_DIGEST = "nudge.leadership_digest"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    redelivery = False
    """Set when the dispatcher claims the row (not stored): it was handed out before, and that try failed or its
    holder died or stopped, maybe after the side effect happened; the handler looks for it before acting again."""

    def handed_out_before(self) -> bool:
        """Read before a claim extends the lease: a row never handed out is still available from its creation."""
        return self.attempts > 0 or self.available_at != self.created_at


def _dedup_key(topic: Topic, about: int | str) -> str:
    """What marks the messages of ``topic`` about one thing (``once_for``)."""
    return f"{topic}:{about}"


def pending(session: Session, topic: Topic, about: int | str) -> bool:
    """Whether a message of ``topic`` about ``about`` (its ``once_for``) is still to be delivered, being delivered
    right now included (which :func:`enqueue` does not count)."""
    key = _dedup_key(Topic(topic), about)
    found = session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedup_key == key, OutboxMessage.state == PENDING).limit(1)
    )
    return found is not None


def enqueue(
    session: Session,
    topic: Topic,
    *,
    now: datetime,
    incident_id: int | None = None,
    payload: dict[str, Any] | None = None,
    once_for: int | str | None = None,
) -> OutboxMessage | None:
    """Record a side effect to deliver after commit.

    With ``once_for`` (what the message is about: an incident's, action's or group's id), a message of the same
    topic about the same thing still waiting to be claimed makes this a no-op (e.g. one
    "refresh the card" is enough however many changes happen before it is delivered). A message already claimed
    (or waiting on a backoff) does not count: its handler may have read the state before this change, so the
    change gets its own delivery. Returns the new row, or None. Keys queued earlier in the same unit of work are
    remembered on the session, so the database is asked (without flushing) at most once per key. A row queued
    wakes the dispatcher when the unit of work commits (:func:`incidents.context.deliver_on_commit`).

    A ``topic`` that is not a :class:`Topic` raises ValueError here, before anything is written.
    """
    topic = Topic(topic)
    dedup_key = None if once_for is None else _dedup_key(topic, once_for)
    if dedup_key is not None:
        queued: set[str] = session.info.setdefault(_QUEUED_KEYS, set())
        if dedup_key in queued:
            return None
        with session.no_autoflush:
            pending = session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.dedup_key == dedup_key,
                    OutboxMessage.state == PENDING,
                    OutboxMessage.available_at <= now,
                )
            )
        queued.add(dedup_key)
        if pending is not None:
            return None
    message = OutboxMessage(
        topic=topic,
        incident_id=incident_id,
        payload=payload or {},
        dedup_key=dedup_key,
        state=PENDING,
        attempts=0,
        created_at=now,
        available_at=now,
    )
    session.add(message)
    deliver_on_commit(session)
    return message
