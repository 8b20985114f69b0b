"""What the scheduler is told by the operator: ``[scheduling]`` in the TOML file or ``VIGIL_SCHEDULING`` (JSON).

Values are written the way people say them ("50%", "24h", "mon 09:00", "07:00 EMEA") and parsed once here, so
a typo stops Vigil at start with the field's name rather than surfacing as a silent missing reminder.
All times of day are UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incidents.enums import Severity

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OFFSET = re.compile(r"^\s*(?:(\d{1,3}(?:\.\d+)?)\s*%|(\d+)\s*([mhd]))\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Offset:
    """A reminder point before a deadline: a share of the allowed time elapsed, or a fixed time before it."""

    elapsed: float | None = None
    before: timedelta | None = None

    def at(self, start: datetime, due: datetime) -> datetime:
        if self.elapsed is not None:
            return start + (due - start) * self.elapsed
        assert self.before is not None
        return due - self.before


@dataclass(frozen=True)
class Boundary:
    """A follow-the-sun shift change: at ``at`` (UTC, daily) ``region`` takes over."""

    at: time
    region: str

    @property
    def job_id(self) -> str:
        return f"vigil.handoff.{self.at:%H%M}.{self.region}"


@dataclass(frozen=True)
class Weekly:
    weekday: int
    at: time

    def last(self, now: datetime) -> datetime:
        """The most recent occurrence at or before ``now``."""
        day = now.date() - timedelta(days=(now.weekday() - self.weekday) % 7)
        moment = datetime.combine(day, self.at, tzinfo=now.tzinfo)
        return moment if moment <= now else moment - timedelta(days=7)


def parse_offset(text: str) -> Offset:
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a reminder offset; write e.g. '50%', '24h', '30m' or '2d'")
    share, amount, unit = match.groups()
    if share is not None:
        if not 0 < float(share) < 100:
            raise ValueError(f"{text!r}: a share of the time elapsed is between 0% and 100%")
        return Offset(elapsed=float(share) / 100)
    return Offset(before=timedelta(**{_UNITS[unit.lower()]: int(amount)}))


def parse_time_of_day(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day; write HH:MM (UTC)") from None


def parse_boundary(text: str) -> Boundary:
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not a hand-off boundary; write 'HH:MM REGION' (UTC), e.g. '07:00 EMEA'")
    return Boundary(parse_time_of_day(parts[0]), parts[1].upper())


def parse_weekly(text: str) -> Weekly:
    parts = text.lower().split()
    if len(parts) != 2 or parts[0][:3] not in WEEKDAYS:
        raise ValueError(f"{text!r} is not a weekly time; write e.g. 'mon 09:00' (UTC)")
    return Weekly(WEEKDAYS.index(parts[0][:3]), parse_time_of_day(parts[1]))


class SchedulingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    tick_seconds: float = Field(default=30, gt=0, description="how often due reminders are looked for")
    leader_retry_seconds: float = Field(default=20, gt=0, description="how often a standby replica tries to lead")
    clock_reminders: list[str] = Field(default_factory=lambda: ["50%", "24h", "1h"])
    action_reminder_days: int = Field(default=1, ge=0, description="days before an action's due date to DM its owner")
    actions_digest_channel: str | None = Field(default=None, description="channel id for the overdue-actions digest")
    digest_at: str = Field(default="mon 09:00", description="when weekly digests are posted (UTC)")
    handoff_boundaries: list[str] = Field(default_factory=list, description="'HH:MM REGION' shift changes (UTC)")
    handoff_escalate_minutes: int = Field(default=30, gt=0)
    rotate_after_hours: int = Field(default=12, gt=0, description="SEV0/1 command time before a rotation prompt")
    review_due_days: dict[Severity, int] = Field(
        default_factory=lambda: {Severity.SEV0: 3, Severity.SEV1: 3, Severity.SEV2: 5},
        description="days after resolution when the review owner is first reminded, per severity",
    )
    review_remind_every_days: int = Field(default=2, gt=0)
    checkin_within_days: int = Field(default=7, gt=0, description="how recently closed an incident gets check-ins")
    wellbeing_url: str | None = Field(default=None, description="support resources linked from check-in DMs")

    @field_validator("clock_reminders")
    @classmethod
    def _offsets(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_offset(item)
        return value

    @field_validator("digest_at")
    @classmethod
    def _weekly(cls, value: str) -> str:
        parse_weekly(value)
        return value

    @field_validator("handoff_boundaries")
    @classmethod
    def _boundaries(cls, value: list[str]) -> list[str]:
        parsed = [parse_boundary(item) for item in value]
        if len({b.at for b in parsed}) != len(parsed):
            raise ValueError("two hand-off boundaries at the same time")
        return value

    @property
    def offsets(self) -> list[Offset]:
        return [parse_offset(item) for item in self.clock_reminders]

    @property
    def boundaries(self) -> list[Boundary]:
        return [parse_boundary(item) for item in self.handoff_boundaries]

    @property
    def weekly(self) -> Weekly:
        return parse_weekly(self.digest_at)
