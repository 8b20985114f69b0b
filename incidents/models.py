"""The incident aggregate and its parts. Columns only; behaviour lives in the service modules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime
from incidents.enums import (
    ActionCategory,
    ActionPriority,
    ActionStatus,
    DeadlineKind,
    HandoffState,
    Severity,
    Status,
    SyncState,
    Tier,
    TimelineKind,
)
from incidents.guards import TITLE_MAX

Ref = String(20)
PersonKey = String(64)
Name = String(64)


def _enum(enum: type, length: int = 24) -> Any:
    """Store enums by value as plain strings: readable in SQL, no native ENUM types to migrate."""
    from sqlalchemy import Enum

    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class RefCounter(Base):
    """Last reference number issued per year; bumped in the declaring transaction, so numbers have no gaps."""

    __tablename__ = "ref_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class Person(Base):
    """Someone Vigil has seen: a Slack user, a CLI user or an API key. Names are kept to show people by name."""

    __tablename__ = "people"
    key: Mapped[str] = mapped_column(PersonKey, primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    learned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When Slack was last asked about this person (never, for terminal and API people)."""
    missing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Slack said no such user when last asked: not asked again until the answer expires, and refused as a person."""


class Incident(Base):
    __tablename__ = "incidents"
    __personal_text__ = ("title", "summary")
    __table_args__ = (
        Index("ix_incidents_status_severity", "status", "severity"),
        Index("ix_incidents_declared_at", "declared_at"),
        Index("ix_incidents_severity_resolved", "severity", "resolved_at", "declared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(Ref, unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[Severity] = mapped_column(_enum(Severity))
    status: Mapped[Status] = mapped_column(_enum(Status))
    tier: Mapped[Tier] = mapped_column(_enum(Tier))
    region: Mapped[str | None] = mapped_column(Name)
    jurisdictions: Mapped[list[str]] = mapped_column(JSON, default=list)
    detection_source: Mapped[str | None] = mapped_column(String(200))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    declared_by: Mapped[str] = mapped_column(PersonKey)

    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    slack_channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    in_slack: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """Whether Slack hears of the incident (its channel, posts, DMs, reminders): not, for a declare from the
    terminal, until someone runs ``vigil provision`` (:mod:`incidents.provisioning`)."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    timeline_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The sequence number its latest timeline entry took (:func:`incidents.effects.write_entry`): counted here, in
    the row every change already updates (and version-checks), so numbering an entry costs no query."""
    pii: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Where personal data sits in this row's free text (:mod:`incidents.privacy.scan`); None until scanned."""
    leadership_title: Mapped[str | None] = mapped_column(Text)
    """The title as leadership reads it (:mod:`incidents.leadership_title`); None until made."""

    types: Mapped[list[IncidentType]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentType.type"
    )
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="RoleAssignment.id"
    )
    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="incident",
        cascade="all, delete-orphan",
        order_by="(TimelineEntry.at, TimelineEntry.seq)",
    )
    severity_changes: Mapped[list[SeverityChange]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="SeverityChange.id"
    )
    updates: Mapped[list[StatusUpdate]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="StatusUpdate.id"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Action.id"
    )
    clocks: Mapped[list[Clock]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Clock.id"
    )
    handoffs: Mapped[list[Handoff]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Handoff.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def type_names(self) -> list[str]:
        return [t.type for t in self.types]

    def current_holders(self, role: str) -> list[str]:
        return [r.person for r in self.roles if r.role == role and r.relieved_at is None]

    @property
    def commander(self) -> str | None:
        holders = self.current_holders("commander")
        return holders[0] if holders else None


class IncidentType(Base):
    __tablename__ = "incident_types"
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    type: Mapped[str] = mapped_column(Name, primary_key=True, index=True)
    incident: Mapped[Incident] = relationship(back_populates="types")


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (
        Index("ix_role_assignments_current", "incident_id", "role", "relieved_at"),
        Index("ix_role_assignments_person", "person", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(Name)
    person: Mapped[str] = mapped_column(PersonKey)
    assigned_by: Mapped[str] = mapped_column(PersonKey)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    relieved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident: Mapped[Incident] = relationship(back_populates="roles")


class Handoff(Base):
    """A commander hand-off: requested, then accepted by the new commander before the old one is relieved."""

    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    from_person: Mapped[str | None] = mapped_column(PersonKey)
    to_person: Mapped[str] = mapped_column(PersonKey)
    requested_by: Mapped[str] = mapped_column(PersonKey)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[HandoffState] = mapped_column(_enum(HandoffState))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident: Mapped[Incident] = relationship(back_populates="handoffs")


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"
    __personal_text__ = ("text",)
    __table_args__ = (
        Index("ix_timeline_entries_incident_at", "incident_id", "at"),
        UniqueConstraint("incident_id", "external_id"),
        UniqueConstraint("incident_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When it happened: when Vigil received the request that recorded it, or the time it was given."""
    seq: Mapped[int] = mapped_column(Integer)
    """Its place among the incident's entries in the order they were recorded: entries are read in (``at``,
    ``seq``) order, so two with the same time keep the order they came in."""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[TimelineKind] = mapped_column(_enum(TimelineKind))
    author: Mapped[str] = mapped_column(PersonKey)
    text: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(1000))
    external_id: Mapped[str | None] = mapped_column(String(200))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    in_review: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pii: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Where personal data sits in this row's free text (:mod:`incidents.privacy.scan`); None until scanned."""
    incident: Mapped[Incident] = relationship(back_populates="timeline")


class SeverityChange(Base):
    __tablename__ = "severity_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_severity: Mapped[Severity | None] = mapped_column(_enum(Severity))
    to_severity: Mapped[Severity] = mapped_column(_enum(Severity))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(PersonKey)
    incident: Mapped[Incident] = relationship(back_populates="severity_changes")


class StatusUpdate(Base):
    __tablename__ = "status_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(PersonKey)
    status: Mapped[Status] = mapped_column(_enum(Status))
    summary: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    next_update_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident: Mapped[Incident] = relationship(back_populates="updates")


class Action(Base):
    """A corrective or preventive action; mirrored to the tracker (Jira) when one is configured."""

    __tablename__ = "actions"
    __personal_text__ = ("title", "description")
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(PersonKey)
    due_date: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[ActionPriority] = mapped_column(_enum(ActionPriority))
    category: Mapped[ActionCategory] = mapped_column(_enum(ActionCategory))
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus))
    resolution: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(PersonKey)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tracker_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    tracker_url: Mapped[str | None] = mapped_column(String(1000))
    sync_state: Mapped[SyncState] = mapped_column(_enum(SyncState))
    pii: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Where personal data sits in this row's free text (:mod:`incidents.privacy.scan`); None until scanned."""
    incident: Mapped[Incident] = relationship(back_populates="actions")


class Clock(Base):
    """A deadline the incident must meet (usually regulatory). Overdue and met are derived, never stored."""

    __tablename__ = "clocks"
    __table_args__ = (Index("ix_clocks_open_due", "satisfied_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("clocks.id", ondelete="SET NULL"))
    regime: Mapped[str] = mapped_column(Name)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    artefact: Mapped[str] = mapped_column(String(200), default="")
    source_url: Mapped[str] = mapped_column(String(1000), default="")
    trigger_at: Mapped[datetime] = mapped_column(UTCDateTime)
    aware_by: Mapped[str] = mapped_column(PersonKey)
    deadline_kind: Mapped[DeadlineKind] = mapped_column(_enum(DeadlineKind))
    deadline_amount: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    owner_role: Mapped[str] = mapped_column(Name)
    satisfied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfied_by: Mapped[str | None] = mapped_column(PersonKey)
    reference_id: Mapped[str | None] = mapped_column(String(200))
    incident: Mapped[Incident] = relationship(back_populates="clocks")

    def is_overdue(self, now: datetime) -> bool:
        return self.satisfied_at is None and now > self.due_at

    @property
    def met(self) -> bool | None:
        """True or False once satisfied; None while still running."""
        return None if self.satisfied_at is None else self.satisfied_at <= self.due_at


class AuditEvent(Base):
    """Append-only record of who did what. Never updated or deleted (enforced below)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(PersonKey)
    action: Mapped[str] = mapped_column(Name)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(_mapper: Any, _connection: Any, target: AuditEvent) -> None:
    raise RuntimeError(f"audit event {target.id} is append-only")


class Posting(Base):
    """A message Vigil posted for an incident (its card, an announcement, a prompt), so it can be edited later
    and is never posted twice. ``external_id`` is the chat system's id for it (Slack's ``ts``)."""

    __tablename__ = "postings"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(Name)
    """What the posting is (a :class:`bot.ids.PostingKind`, or one per entry, hand-off, nudge): one row per
    (incident, kind, channel) makes every step happen once."""
    channel: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundEvent(Base):
    """Events received from outside (Slack event ids, Jira webhook ids): seen once, processed once."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
