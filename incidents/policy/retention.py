"""The policy pack's ``retention`` section: how long after an incident is closed its free text and personal data
(parties, notes, messages, updates, reasons) are kept before the scheduled purge removes them. Structured facts
(times, severities, roles, clocks, metrics) and the record's chain are kept for ever.

A rule's ``days`` of ``null`` means "per counsel": never purged automatically. Where several rules apply (the
tier's, each type's, the default), the longest wins, so no rule can shorten what another keeps.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from incidents.enums import Tier


class RetentionRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int | None = Field(
        gt=0, le=100 * 366, description="days after close; null keeps them until counsel decides (no purge)"
    )


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: RetentionRule = Field(default=RetentionRule(days=730), description="what applies where nothing else does")
    tiers: dict[Tier, RetentionRule] = Field(default_factory=dict)
    types: dict[str, RetentionRule] = Field(default_factory=dict, description="by incident type")
    source: str = Field(default="", description="where the periods come from (counsel's memo, a regulation)")
    last_verified: date | None = None

    def kept_for(self, tier: Tier, types: list[str]) -> timedelta | None:
        """How long after close the incident's free text and personal data are kept; None: until counsel decides."""
        rules = [
            self.default,
            *(r for r in [self.tiers.get(tier)] if r),
            *(self.types[t] for t in types if t in self.types),
        ]
        if any(rule.days is None for rule in rules):
            return None
        return timedelta(days=max(rule.days or 0 for rule in rules))
