"""The domain's vocabulary. Values are stored in the database and shown to users, so they never change meaning."""

from enum import StrEnum


class Severity(StrEnum):
    SEV0 = "SEV0"
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @property
    def rank(self) -> int:
        """Lower is worse: SEV0 ranks 0."""
        return int(self.value[-1])


class Status(StrEnum):
    DECLARED = "declared"
    INVESTIGATING = "investigating"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({Status.DECLARED, Status.INVESTIGATING, Status.MITIGATED})


class Tier(StrEnum):
    STANDARD = "standard"
    RESTRICTED = "restricted"
    HIGHLY_RESTRICTED = "highly_restricted"

    @property
    def rank(self) -> int:
        return list(Tier).index(self)

    @property
    def is_restricted(self) -> bool:
        return self is not Tier.STANDARD

    @property
    def label(self) -> str:
        """How people read it: "Highly restricted"."""
        return self.value.replace("_", " ").capitalize()


class TimelineKind(StrEnum):
    DECLARED = "declared"
    STATUS = "status"
    SEVERITY = "severity"
    TIER = "tier"
    CLASSIFICATION = "classification"
    """A change of the incident's types or jurisdictions."""
    ROLE = "role"
    HANDOFF = "handoff"
    UPDATE = "update"
    NOTE = "note"
    MESSAGE = "message"
    ACTION = "action"
    CLOCK = "clock"
    TASK = "task"
    REFERRAL = "referral"
    SIGNALS = "signals"
    """Reports that arrived for the incident, counted together (one entry a minute at most)."""
    PAGE = "page"
    """A page sent, acknowledged, late or escalated."""
    HOLD = "hold"
    """A legal hold placed on the incident or released (:mod:`incidents.record.holds`)."""


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"

    @property
    def is_finished(self) -> bool:
        return self in (ActionStatus.DONE, ActionStatus.WONT_DO)

    @property
    def label(self) -> str:
        """How people read it: "In progress", "Won't do"."""
        return {ActionStatus.IN_PROGRESS: "In progress", ActionStatus.WONT_DO: "Won't do"}.get(
            self, self.value.capitalize()
        )


class ActionPriority(StrEnum):
    HIGHEST = "highest"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ActionCategory(StrEnum):
    PREVENT = "prevent"
    DETECT = "detect"
    MITIGATE = "mitigate"
    PROCESS = "process"
    POLICY = "policy"
    SAFETY_BY_DESIGN = "safety_by_design"


class SyncState(StrEnum):
    """Where an action stands with the external tracker (Jira)."""

    LOCAL = "local"
    PENDING = "pending"
    SYNCED = "synced"
    SYNC_FAILED = "sync_failed"


class DeadlineKind(StrEnum):
    HOURS = "hours"
    BUSINESS_DAYS = "business_days"
    QUALITATIVE = "qualitative"


class HandoffState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
