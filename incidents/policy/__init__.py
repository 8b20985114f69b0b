"""The policy pack: incident types, severities, roles, regions and regulatory clocks, as validated data.

Shipped defaults live in ``default.yaml``; an operator's file replaces whole top-level sections. Validation
happens at start and names the file and the field at fault.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from incidents.enums import DeadlineKind, Severity, Tier
from incidents.errors import ConfigError

DEFAULT_POLICY_FILE = Path(__file__).with_name("default.yaml")
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityPolicy(_Strict):
    label: str
    description: str
    update_every_minutes: int | None = Field(default=None, gt=0)
    review_required: bool = False


class HoursDeadline(_Strict):
    kind: Literal[DeadlineKind.HOURS]
    hours: int = Field(gt=0)


class BusinessDaysDeadline(_Strict):
    kind: Literal[DeadlineKind.BUSINESS_DAYS]
    business_days: int = Field(gt=0)


class QualitativeDeadline(_Strict):
    """A deadline the law words as "promptly": the internal target makes it measurable."""

    kind: Literal[DeadlineKind.QUALITATIVE]
    internal_target_hours: int = Field(gt=0)
    wording: str


Deadline = Annotated[HoursDeadline | BusinessDaysDeadline | QualitativeDeadline, Field(discriminator="kind")]


class ClockPolicy(_Strict):
    name: str
    jurisdiction: str
    deadline: Deadline
    owner_role: Slug
    artefact: str = ""
    source_url: str = Field(pattern=r"^https?://")
    last_verified: date
    timezone: str = "UTC"
    holiday_calendar: str | None = Field(
        default=None, description="country code for business-day holidays; defaults to the jurisdiction"
    )
    starts: list[Slug] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def amount(self) -> int:
        deadline = self.deadline
        if isinstance(deadline, HoursDeadline):
            return deadline.hours
        if isinstance(deadline, BusinessDaysDeadline):
            return deadline.business_days
        return deadline.internal_target_hours


class TypePolicy(_Strict):
    label: str
    min_tier: Tier = Tier.STANDARD
    requires_roles: list[Slug] = Field(default_factory=list)
    clocks: list[Slug] = Field(default_factory=list)


class JiraTarget(_Strict):
    """Where corrective actions of one incident type go in Jira (unset parts fall back to the settings)."""

    project: str | None = None
    issue_type: str | None = None


class Policy(_Strict):
    severities: dict[Severity, SeverityPolicy]
    roles: list[Slug]
    regions: list[str]
    types: dict[Slug, TypePolicy]
    clocks: dict[Slug, ClockPolicy] = Field(default_factory=dict)
    jira: dict[Slug, JiraTarget] = Field(default_factory=dict, description="Jira project/issue type by type")

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        missing = [s.value for s in Severity if s not in self.severities]
        if missing:
            raise ValueError(f"severities: missing {', '.join(missing)}")
        if "commander" not in self.roles:
            raise ValueError("roles: 'commander' is required")
        for name, type_policy in self.types.items():
            for role in type_policy.requires_roles:
                if role not in self.roles:
                    raise ValueError(f"types.{name}.requires_roles: unknown role {role!r}")
            for clock in type_policy.clocks:
                if clock not in self.clocks:
                    raise ValueError(f"types.{name}.clocks: unknown clock {clock!r}")
        for name in self.jira:
            if name not in self.types:
                raise ValueError(f"jira.{name}: unknown incident type {name!r}")
        for name, clock_policy in self.clocks.items():
            if clock_policy.owner_role not in self.roles:
                raise ValueError(f"clocks.{name}.owner_role: unknown role {clock_policy.owner_role!r}")
            for child in clock_policy.starts:
                if child not in self.clocks:
                    raise ValueError(f"clocks.{name}.starts: unknown clock {child!r}")
        return self

    @cached_property
    def severity_order(self) -> list[Severity]:
        return sorted(self.severities, key=lambda s: s.rank)

    def update_cadence_minutes(self, severity: Severity) -> int | None:
        return self.severities[severity].update_every_minutes


def load_policy(path: Path | None = None) -> Policy:
    """Load the shipped policy, with an operator file's top-level sections replacing the defaults."""
    data = _read_yaml(DEFAULT_POLICY_FILE)
    source = DEFAULT_POLICY_FILE
    if path is not None:
        data.update(_read_yaml(path))
        source = path
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'policy'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"policy file {source}: {problems}") from None


def _read_yaml(path: Path) -> dict[str, object]:
    try:
        # libyaml's loader when present: the pure-Python one takes ~30 ms of every `vigil` command's start
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise ConfigError(f"policy file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"policy file {path}: not valid YAML ({exc})") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"policy file {path}: expected a mapping of sections at the top level")
    return loaded
