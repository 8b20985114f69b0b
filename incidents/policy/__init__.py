"""The policy pack: incident types, severities, roles, regions and regulatory clocks, as validated data.

Shipped defaults live in ``default.yaml``; an operator's file replaces whole top-level sections. Validation
happens at start and names the file and the field at fault.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from incidents.enums import DeadlineKind, Severity, Tier
from incidents.errors import ConfigError
from incidents.policy.filings import FilingPolicy
from incidents.policy.paging import PagingPolicy
from incidents.policy.referral_kinds import ReferralKindPolicy
from incidents.policy.retention import RetentionPolicy
from incidents.policy.signals import SignalPolicy

DEFAULT_POLICY_FILE = Path(__file__).with_name("default.yaml")
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Choice = Annotated[str, Field(min_length=1, max_length=75)]
"""Text a person picks from a Slack menu, which shows at most 75 characters of an option."""


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
    filing: FilingPolicy | None = Field(
        default=None, description="what is sent to meet the clock, field by field (none: nothing is filed)"
    )

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


class SeverityGuidance(_Strict):
    """Two questions a declarer can answer when unsure of the severity, and the severity each pair of answers
    suggests. The suggestion is shown and recorded beside the severity the declarer picks, never imposed."""

    harm: dict[Slug, Choice] = Field(description="how bad the harm to people is: answer key → what the declarer reads")
    imminence: dict[Slug, Choice] = Field(description="how soon it happens: answer key → what the declarer reads")
    matrix: dict[Slug, dict[Slug, Severity]] = Field(description="harm → imminence → suggested severity")
    source: str
    last_verified: date

    @model_validator(mode="after")
    def _complete(self) -> SeverityGuidance:
        for harm in self.harm:
            row = self.matrix.get(harm)
            if row is None:
                raise ValueError(f"matrix: no row for harm {harm!r}")
            missing = [answer for answer in self.imminence if answer not in row]
            if missing:
                raise ValueError(f"matrix.{harm}: no severity for imminence {', '.join(map(repr, missing))}")
            unknown = [answer for answer in row if answer not in self.imminence]
            if unknown:
                raise ValueError(f"matrix.{harm}: unknown imminence {', '.join(map(repr, unknown))}")
        unknown_harm = [harm for harm in self.matrix if harm not in self.harm]
        if unknown_harm:
            raise ValueError(f"matrix: unknown harm {', '.join(map(repr, unknown_harm))}")
        return self


DUE_OFFSET = r"^\d{1,4}[mhd]$"
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class PlaybookStep(_Strict):
    """One step of a playbook. ``due`` counts from when the playbook was added to the incident (its declare, or
    the change that made it apply) or, with ``after``, from when that earlier step of the same playbook was done."""

    key: Slug
    text: str = Field(min_length=1, max_length=300)
    owner_role: Slug
    due: str = Field(pattern=DUE_OFFSET, description="offset such as 30m, 4h or 2d")
    after: Slug | None = None
    required: bool = True

    @property
    def offset(self) -> timedelta:
        return timedelta(**{_UNITS[self.due[-1]]: int(self.due[:-1])})


class Playbook(_Strict):
    """The steps an incident of ``type`` gets, optionally only at some severities, tiers or jurisdictions (an
    empty list matches every value; jurisdictions match as clocks do)."""

    type: Slug
    severities: list[Severity] = Field(default_factory=list)
    tiers: list[Tier] = Field(default_factory=list)
    jurisdictions: list[str] = Field(default_factory=list)
    steps: list[PlaybookStep] = Field(min_length=1)
    source: str = Field(pattern=r"^https?://")
    last_verified: date

    @model_validator(mode="after")
    def _ordered(self) -> Playbook:
        seen: set[str] = set()
        for step in self.steps:
            if step.key in seen:
                raise ValueError(f"steps.{step.key}.key: used twice")
            if step.after is not None and step.after not in seen:
                raise ValueError(f"steps.{step.key}.after: {step.after!r} is not an earlier step of this playbook")
            seen.add(step.key)
        return self

    def matches(self, types: list[str], severity: Severity, tier: Tier, jurisdictions: list[str]) -> bool:
        """Whether the playbook applies; an incident naming no jurisdictions gets them all (the safer error)."""
        return (
            self.type in types
            and (not self.severities or severity in self.severities)
            and (not self.tiers or tier in self.tiers)
            and (not self.jurisdictions or not jurisdictions or bool(set(self.jurisdictions) & set(jurisdictions)))
        )


def _check_playbooks(policy: Policy) -> None:
    for name, playbook in policy.playbooks.items():
        if playbook.type not in policy.types:
            raise ValueError(f"playbooks.{name}.type: unknown incident type {playbook.type!r}")
        for step in playbook.steps:
            if step.owner_role not in policy.roles:
                raise ValueError(f"playbooks.{name}.steps.{step.key}.owner_role: unknown role {step.owner_role!r}")


def _check_paging(policy: Policy) -> None:
    for number, route in enumerate(policy.paging.routes):
        for service in (*route.page, *route.escalate):
            if service not in policy.paging.services:
                raise ValueError(f"paging.routes.{number}: unknown service {service!r}")
        for name in route.types:
            if name not in policy.types:
                raise ValueError(f"paging.routes.{number}.types: unknown incident type {name!r}")
        for region in route.regions:
            if region not in policy.regions:
                raise ValueError(f"paging.routes.{number}.regions: unknown region {region!r}")


class Policy(_Strict):
    severities: dict[Severity, SeverityPolicy]
    roles: list[Slug]
    regions: list[str]
    types: dict[Slug, TypePolicy]
    clocks: dict[Slug, ClockPolicy] = Field(default_factory=dict)
    jira: dict[Slug, JiraTarget] = Field(default_factory=dict, description="Jira project/issue type by type")
    severity_guidance: SeverityGuidance | None = None
    playbooks: dict[Slug, Playbook] = Field(default_factory=dict, description="steps each incident gets, by name")
    referral_kinds: dict[Slug, ReferralKindPolicy] = Field(
        default_factory=dict, description="processes an incident can refer part of its work to"
    )
    signals: SignalPolicy = Field(default_factory=SignalPolicy, description="grouping reports and declaring from them")
    paging: PagingPolicy = Field(default_factory=PagingPolicy, description="who is paged for which incidents")
    retention: RetentionPolicy = Field(
        default_factory=RetentionPolicy, description="how long free text and personal data outlive the incident"
    )

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
        _check_playbooks(self)
        _check_paging(self)
        for name in self.retention.types:
            if name not in self.types:
                raise ValueError(f"retention.types.{name}: unknown incident type {name!r}")
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
    """The file's sections (a new dict each time: the caller updates it), parsed once per version of the file:
    building the objects takes ~45 ms even with libyaml, which a process that loads the policy more than once (the
    tests, a CLI driven in-process) would pay each time."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"policy file {path} does not exist") from None
    return dict(_parsed(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _parsed(path: Path, _mtime_ns: int, _size: int) -> dict[str, object]:
    try:
        # libyaml's loader when present: the pure-Python one takes ~30 ms more
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise ConfigError(f"policy file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"policy file {path}: not valid YAML ({exc})") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"policy file {path}: expected a mapping of sections at the top level")
    return loaded
