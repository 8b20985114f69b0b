"""The policy pack's ``signals`` section: how reports are grouped and when a group declares by itself."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from incidents.enums import Severity


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(gt=0, le=1_000_000)
    within_minutes: int = Field(gt=0, le=7 * 24 * 60)

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.within_minutes)


class SignalPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_minutes: int = Field(
        default=60,
        gt=0,
        le=7 * 24 * 60,
        description="a group takes signals until this long after its latest one; later ones start a new group",
    )
    declare_when: Threshold | None = Field(
        default=None, description="a waiting group with this many signals within the minutes declares by itself"
    )
    declare_at_once: list[Severity] = Field(
        default_factory=list,
        description="a signal whose severity hint comes to one of these declares at once (life in danger now)",
    )
    declared_severity: Severity = Field(
        default=Severity.SEV2, description="the severity of an incident a threshold declares without a hint"
    )

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)
