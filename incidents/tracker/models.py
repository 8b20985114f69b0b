"""What the sync remembers about each ticket it keeps (an action's, a referral's), and how far the reconcile job
has read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime


class SyncLink(Base):
    """The last values Vigil and the tracker agreed on for one ticket: the base of a three-way merge.

    ``ours`` holds Vigil-side values last pushed (so a push sends only what Vigil changed since), ``theirs`` the
    tracker-side values last seen (so an incoming event applies only what the tracker changed since). Together
    they stop echoes (our own push coming back as a webhook) and lost updates (a push clobbering a change a
    person just made in the tracker, or a stale read undoing an edit that is still in the outbox).

    ``claimed_until`` serialises deliveries of one ticket across workers and replicas (two outbox rows for one
    subject can come due together); a crashed holder's claim simply expires. One table per kind of subject, each
    keyed by its subject's id (see :class:`incidents.tracker.sync.Subject`).
    """

    __abstract__ = True

    ours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    theirs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrackerLink(SyncLink):
    """An action's ticket."""

    __tablename__ = "tracker_links"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True)


class ReferralTrackerLink(SyncLink):
    """A referral's ticket. ``failed_at`` is set when filing or updating it gave up (the incident heard once) and
    cleared once it is in sync again."""

    __tablename__ = "referral_tracker_links"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrackerCursor(Base):
    """High-water mark of the reconcile job: the newest tracker ``updated`` time it has applied."""

    __tablename__ = "tracker_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_until: Mapped[datetime] = mapped_column(UTCDateTime)
