"""What a review template sees: plain, immutable values, already named and redacted for one audience.

Templates (shipped or an operator's) never receive ORM objects, sessions or raw stored text, so no template can
leak what its audience must not see or change anything. Times are preformatted UTC strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup


@dataclass(frozen=True)
class MetricView:
    key: str
    label: str
    value: str
    """A duration such as "1h 05m", or "—" when an anchor is missing."""
    start_label: str
    start: str
    end_label: str
    end: str
    start_short: str
    end_short: str


@dataclass(frozen=True)
class CadenceView:
    kept: int
    missed: int
    pending: int
    worst_delay: str
    summary: str


class EntryView(NamedTuple):
    """A tuple rather than a dataclass: a long incident has tens of thousands, and tuples build fast."""

    time: str
    clock: str
    """"12:05": the time of day, for layouts that show the day once (see ``day``)."""
    day: str
    """"Mon 23 Nov 2026"."""
    since: str
    """Time since declaration, e.g. "+1h 05m"; a minus sign (U+2212) marks entries before it."""
    kind: str
    kind_label: str
    author: str
    text: str
    sensitive: bool
    milestone: bool
    """Declarations, status, severity, tier, role and hand-off changes: shown with emphasis."""
    link: str | None


@dataclass(frozen=True)
class PhaseView:
    key: str
    title: str
    entries: tuple[EntryView, ...]


@dataclass(frozen=True)
class RoleView:
    role: str
    person: str
    start: str
    end: str
    held_for: str


@dataclass(frozen=True)
class HandoffView:
    requested: str
    from_person: str
    to_person: str
    state: str
    settled: str


@dataclass(frozen=True)
class ObligationView:
    name: str
    regime: str
    jurisdiction: str
    artefact: str
    trigger: str
    aware_by: str
    due: str
    satisfied: str
    filing: str
    """For a clock with a filing packet: "filed by <who>" (when is ``satisfied``) or "not filed yet"; else a dash."""
    reference: str
    outcome: str
    """met, missed, running or overdue."""
    on_time: str
    """"yes", "no", or "—" while still running."""
    margin: str
    source_url: str


@dataclass(frozen=True)
class ActionView:
    title: str
    owner: str
    due: str
    status: str
    status_label: str
    priority: str
    category: str
    tracker_key: str | None
    tracker_url: str | None
    sync_note: str
    overdue: bool


@dataclass(frozen=True)
class ReferralView:
    number: int
    kind: str
    status: str
    status_label: str
    owner: str
    due: str
    overdue: bool
    requested: str
    to_referral: str
    """Time from the declaration to the referral."""
    to_decision: str
    """Time from the declaration to the decision (or the refusal); a dash until then."""
    outcome: str | None
    """The decision, or why it was declined; None for audiences that read no free text."""
    note: str | None
    """What the team told the other process when referring; None for audiences that read no free text."""
    external_ref: str | None
    tracker_key: str | None
    """The Jira issue the referral was filed as (its kind names a project); None where only structured facts go."""


@dataclass(frozen=True)
class StepView:
    playbook: str
    text: str
    """The playbook's words (policy text, not written by people)."""
    owner_role: str
    required: bool
    due: str
    status: str
    """open, done or skipped."""
    status_label: str
    late: bool
    """Finished after it was due, or still open past it."""
    finished: str
    """When it was done or skipped, and by whom; a dash while open."""
    reason: str | None
    """Why it was skipped, as the audience may read it; None for steps not skipped."""


@dataclass(frozen=True)
class PlaybookStepsView:
    total: int
    done: int
    skipped: int
    open: int
    late: int
    summary: str
    """E.g. "Of 11 steps: 7 done, 2 skipped, 2 open; 3 late"."""
    steps: tuple[StepView, ...]
    """Empty where only counts may be shown (the leadership version of a restricted incident)."""


@dataclass(frozen=True)
class ImpactView:
    people_affected: str
    minors_involved: str
    content_exposure: str
    regions: str
    attention: str


@dataclass(frozen=True)
class SignalsView:
    """The reports the incident was declared from or took in. Leadership reads the counts only (``first``,
    ``last`` and ``to_declare`` are empty for it): never who reported or about whom."""

    count: int
    by_source: tuple[tuple[str, int], ...]
    by_type: tuple[tuple[str, int], ...]
    first: str
    last: str
    to_declare: str
    """From the first report to the declare ("—" when the incident was declared before any report)."""


@dataclass(frozen=True)
class ReviewDocument:
    audience: str
    audience_label: str
    redacted: bool
    notices: tuple[str, ...]
    ref: str
    title: str
    types: tuple[str, ...]
    type_keys: tuple[str, ...]
    final_severity: str
    final_severity_label: str
    peak_severity: str
    peak_severity_label: str
    tier: str
    tier_label: str
    incident_status: str
    commander: str
    owner: str
    occurred: str
    detected: str
    declared: str
    resolved: str
    closed: str
    review_status: str
    review_status_label: str
    published: str
    generated: str
    executive_summary: tuple[str, ...]
    impact: ImpactView
    metrics: tuple[MetricView, ...]
    cadence: CadenceView
    obligations: tuple[ObligationView, ...]
    phases: tuple[PhaseView, ...]
    entry_count: int
    roles: tuple[RoleView, ...]
    handoffs: tuple[HandoffView, ...]
    contributing_factors: tuple[str, ...]
    went_well: tuple[str, ...]
    went_poorly: tuple[str, ...]
    got_lucky: tuple[str, ...]
    care_for_affected: tuple[str, ...]
    wellbeing_note: tuple[str, ...]
    actions: tuple[ActionView, ...]
    chart_svg: Markup
    referrals: tuple[ReferralView, ...] = ()
    playbook_steps: PlaybookStepsView | None = None
    """None when no playbook applied to the incident."""
    signals: SignalsView | None = None
    """None when no reports reached the incident."""
    holds: tuple[str, ...] = ()
    """The legal holds in place (:mod:`incidents.record.holds`), one line each."""
    record: str = ""
    """What the latest verification of the incident's record found (:func:`incidents.record.checks.record_line`);
    empty before it was first verified under a checkpoint."""


ALL_VIEWS: tuple[type, ...] = (
    ActionView,
    CadenceView,
    EntryView,
    HandoffView,
    ImpactView,
    MetricView,
    ObligationView,
    PhaseView,
    PlaybookStepsView,
    ReferralView,
    ReviewDocument,
    RoleView,
    SignalsView,
    StepView,
)
"""Every shape a template may read; the sandbox allows exactly their fields."""
