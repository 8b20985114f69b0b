"""Build the :class:`~incidents.reviews.template_values.ReviewDocument` for one audience from a loaded incident.

Pure: the caller loads the incident, its review and the people involved, and decides who may see what
(:mod:`incidents.reviews.export`, through :mod:`incidents.access`). The leadership version names people by role
token, leaves out sensitive entries and masks the personal data found in free text when it was written; the team
version shows sensitive entries behind a content warning to the incident's members only. For restricted incidents
the leadership version goes further and is built by allowlist: structured facts only (types, severity, tier, region,
times, metrics, clocks met or missed, counts, roles as tokens) and narrative that passed the publish gate; no title
and no timeline free text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from incidents.access.policy import Act, ViewerKind, allows
from incidents.access.policy import Audience as Audience
from incidents.clocks.standing import ClockStanding, ClockState
from incidents.enums import SyncState, TimelineKind
from incidents.models import Action, Incident, Person
from incidents.paging.models import Page
from incidents.policy import Policy
from incidents.privacy.scan import findings
from incidents.record.models import LegalHold
from incidents.referrals.models import Referral, ReferralStatus
from incidents.referrals.service import is_overdue, kind_label
from incidents.reported_by import with_reporter
from incidents.reviews import figures
from incidents.reviews.chart import ChartInput, severity_chart
from incidents.reviews.formatting import DASH, day, duration, items, paragraphs, short, since, when
from incidents.reviews.models import Review, ReviewStatus
from incidents.reviews.redact import Redactor, role_label, role_tokens, web_link
from incidents.reviews.template_values import (
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
from incidents.signals.queries import SignalSummary
from incidents.tasks.models import Task, TaskStatus


class TimelineRecord(Protocol):
    """What the review reads of a timeline entry: an ORM entry or a plain row of these columns (read-only, so an
    entry whose column is narrower, such as a non-null ``data``, is one too)."""

    @property
    def at(self) -> datetime: ...

    @property
    def kind(self) -> TimelineKind: ...

    @property
    def author(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def sensitive(self) -> bool: ...

    @property
    def in_review(self) -> bool: ...

    @property
    def source_url(self) -> str | None: ...

    @property
    def data(self) -> dict[str, Any] | None: ...

    @property
    def pii(self) -> dict[str, Any] | None: ...


MILESTONES = frozenset(
    {
        TimelineKind.DECLARED,
        TimelineKind.STATUS,
        TimelineKind.SEVERITY,
        TimelineKind.TIER,
        TimelineKind.CLASSIFICATION,
        TimelineKind.ROLE,
        TimelineKind.HANDOFF,
    }
)
KIND_LABELS = {TimelineKind.TIER: "Sensitivity", TimelineKind.HANDOFF: "Hand-off"}
PHASES = (
    ("before", "Before declaration"),
    ("response", "Response"),
    ("mitigated", "Mitigated"),
    ("resolved", "Resolved"),
)
WITHHELD = "[withheld: this entry could not be prepared for this audience]"
logger = logging.getLogger(__name__)
_ON_TIME = {ClockState.MET: "yes", ClockState.MISSED: "no", ClockState.RUNNING: DASH, ClockState.OVERDUE: "no"}


def build_document(
    incident: Incident,
    review: Review | None,
    *,
    timeline: Sequence[TimelineRecord],
    status_changes: Sequence[tuple[datetime, str]],
    audience: Audience,
    people: Mapping[str, Person],
    policy: Policy,
    now: datetime,
    identifiers: Mapping[str, str] | None = None,
    referrals: Sequence[Referral] = (),
    tasks: Sequence[Task] = (),
    sensitive: bool | None = None,
    parties: bool = False,
    pages: Sequence[Page] = (),
    signals: SignalSummary | None = None,
    holds: Sequence[LegalHold] = (),
    record: str | None = None,
) -> ReviewDocument:
    """``identifiers`` are other things that identify someone (the incident's parties: name, handle, contact → their
    role token), masked by value wherever they were typed. ``sensitive``: whether the reader may see the entries
    marked sensitive (:attr:`incidents.access.Act.SEE_SENSITIVE_ENTRIES`); None shows them in the team version.
    The leadership version never shows them. ``parties``: whether the reader may see the case's parties
    (:attr:`incidents.access.Act.SEE_PARTIES`), and so who reported an entry (:mod:`incidents.reported_by`); the
    leadership version never names them. ``holds``: the legal holds in place (the leadership version of a
    restricted incident counts them); ``record``: what verifying its record found."""
    leadership = audience is Audience.LEADERSHIP
    sensitive_shown = not leadership and (sensitive is None or sensitive)
    allowlist = leadership and not allows(ViewerKind.LEADERSHIP, incident.tier, False, Act.SEE_ENTRIES)
    tokens = role_tokens(incident, policy.roles) if leadership else None
    redactor = Redactor(people, tokens, mask_pii=leadership, identifiers=identifiers)
    first_cadence = policy.update_cadence_minutes(figures.initial_severity(incident))
    measured = figures.compute(incident, now, first_update_minutes=first_cadence, pages=pages)
    entries = [e for e in timeline if e.in_review]
    shown = [e for e in entries if sensitive_shown or not e.sensitive]
    if allowlist:
        shown = [e for e in shown if e.kind in MILESTONES]
    commander = redactor.name(incident.commander or _last_commander(incident))
    owner = redactor.name(review.owner) if review and review.owner else DASH
    phases = _phases(incident, shown, redactor, structured=allowlist, reporters=parties and not leadership)
    status = review.status if review else ReviewStatus.DRAFT
    narrative_shown = review is not None and (not allowlist or review.leadership_cleared)
    notices = _notices(leadership, allowlist, len(entries) - len(shown), narrative_withheld=not narrative_shown)
    if not leadership and not sensitive_shown:
        notices = _team_notices_without_sensitive(len(entries) - len(shown))
    text = _narrative(review, redactor) if narrative_shown else (lambda _field: "")
    return ReviewDocument(
        audience=audience.value,
        audience_label="Leadership version" if leadership else "Team version",
        redacted=leadership,
        notices=notices,
        ref=incident.ref,
        title=neutral_title(incident, policy)
        if allowlist
        else redactor.text(incident.title, _found(incident, "title") if leadership else None),
        types=tuple(policy.types[t].label if t in policy.types else t for t in incident.type_names),
        type_keys=tuple(incident.type_names),
        final_severity=measured.final_severity.value,
        final_severity_label=policy.severities[measured.final_severity].label,
        peak_severity=measured.peak_severity.value,
        peak_severity_label=policy.severities[measured.peak_severity].label,
        tier=incident.tier.value,
        tier_label=incident.tier.label,
        incident_status=incident.status.value,
        commander=commander,
        owner=owner,
        occurred=when(incident.occurred_at),
        detected=when(incident.detected_at),
        declared=when(incident.declared_at),
        resolved=when(incident.resolved_at),
        closed=when(incident.closed_at),
        review_status=status.value,
        review_status_label=status.label.capitalize(),
        published=when(review.published_at if review else None),
        generated=when(now),
        executive_summary=paragraphs(text("executive_summary")),
        impact=_impact(incident, review, text),
        metrics=tuple(_metric(span) for span in measured.spans),
        cadence=_cadence(measured.cadence),
        obligations=tuple(_obligation(o, policy, redactor, withhold_reference=allowlist) for o in measured.clocks),
        phases=phases,
        entry_count=sum(len(p.entries) for p in phases),
        roles=tuple(
            RoleView(
                role=role_label(r.role),
                person=redactor.name(r.person),
                start=when(r.assigned_at),
                end=when(r.relieved_at) if r.relieved_at else "still held",
                held_for=duration((r.relieved_at or incident.closed_at or incident.resolved_at or now) - r.assigned_at),
            )
            for r in sorted(incident.roles, key=lambda r: (r.assigned_at, r.id))
        ),
        handoffs=tuple(
            HandoffView(
                requested=when(h.requested_at),
                from_person=redactor.name(h.from_person),
                to_person=redactor.name(h.to_person),
                state=h.state.value,
                settled=when(h.settled_at),
            )
            for h in incident.handoffs
        ),
        contributing_factors=items(text("contributing_factors")),
        went_well=items(text("went_well")),
        went_poorly=items(text("went_poorly")),
        got_lucky=items(text("got_lucky")),
        care_for_affected=paragraphs(text("care_for_affected")),
        wellbeing_note=paragraphs(text("wellbeing_note")),
        actions=tuple(_action(a, n, redactor, now, allowlist) for n, a in enumerate(incident.actions, start=1)),
        chart_svg=severity_chart(
            ChartInput(
                start=incident.declared_at,
                end=incident.closed_at or incident.resolved_at or now,
                severity_path=measured.severity_path,
                status_changes=status_changes,
                updates=[u.at for u in incident.updates],
            )
        ),
        referrals=tuple(_referral(incident, r, policy, redactor, now, allowlist) for r in referrals),
        playbook_steps=_playbook_steps(tasks, redactor, now, counts_only=allowlist),
        signals=_signals(incident, signals, policy, counts_only=leadership),
        holds=_holds(holds, redactor, counts_only=allowlist),
        record=record or "",
    )


def _holds(holds: Sequence[LegalHold], redactor: Redactor, *, counts_only: bool) -> tuple[str, ...]:
    if counts_only:
        return (f"{len(holds)} in place.",) if holds else ()
    return tuple(
        f"{redactor.text(hold.matter)}, placed by {redactor.name(hold.placed_by)} on {day(hold.placed_at.date())}"
        for hold in holds
    )


def _signals(
    incident: Incident, summary: SignalSummary | None, policy: Policy, *, counts_only: bool
) -> SignalsView | None:
    """Counts by source and type for everyone who reads the review; when and how fast for the team only."""
    if summary is None:
        return None
    labels = {name: policy.types[name].label if name in policy.types else name for name in summary.by_type}
    to_declare = incident.declared_at - summary.first_at
    return SignalsView(
        count=summary.count,
        by_source=tuple(summary.by_source.items()),
        by_type=tuple((labels[name], count) for name, count in summary.by_type.items()),
        first="" if counts_only else when(summary.first_at),
        last="" if counts_only else when(summary.last_at),
        to_declare="" if counts_only else (duration(to_declare) if to_declare >= timedelta(0) else DASH),
    )


def _phases(
    incident: Incident, entries: list[TimelineRecord], redactor: Redactor, *, structured: bool, reporters: bool
) -> tuple[PhaseView, ...]:
    grouped: dict[str, list[EntryView]] = {key: [] for key, _ in PHASES}
    days: dict[date, str] = {}
    for entry in entries:
        time = when(entry.at)
        day_label = days.get(entry.at.date()) or days.setdefault(entry.at.date(), f"{entry.at:%a %d %b %Y}")
        grouped[_phase(incident, entry.at)].append(
            EntryView(
                time=time,
                clock=time[11:16],
                day=day_label,
                since=since(entry.at, incident.declared_at),
                kind=entry.kind.value,
                kind_label=KIND_LABELS.get(entry.kind, entry.kind.value.capitalize()),
                author=redactor.name(entry.author),
                text=milestone_text(entry, redactor) if structured else _free_text(entry, redactor, reporters),
                sensitive=entry.sensitive,
                milestone=entry.kind in MILESTONES,
                link=redactor.link(entry.source_url),
            )
        )
    return tuple(PhaseView(key, title, tuple(grouped[key])) for key, title in PHASES if grouped[key])


def _free_text(entry: TimelineRecord, redactor: Redactor, reporters: bool) -> str:
    """One entry that cannot be prepared for its audience is withheld; it never takes the whole review down.
    ``reporters``: whether who reported it is named (else it reads as its role)."""
    try:
        if redactor.pseudonymous:
            text = redactor.text(entry.text, findings(entry.pii, "text", entry.text))
        else:
            text = redactor.text(entry.text, data=entry.data)
        return with_reporter(text, entry.data, named=reporters)
    except Exception:
        logger.exception("timeline entry withheld: it could not be prepared for this audience")
        return WITHHELD


def milestone_text(entry: TimelineRecord, redactor: Redactor) -> str:
    """A milestone told from its structured facts alone, for audiences that may read no free text."""
    data = entry.data or {}
    kind = KIND_LABELS.get(entry.kind, entry.kind.value.capitalize())

    def label(value: object) -> str:
        text = str(value or "—")
        return text if entry.kind is TimelineKind.SEVERITY else text.replace("_", " ").capitalize()

    if entry.kind is TimelineKind.DECLARED:
        return f"Declared {data.get('severity', '')} · {label(data.get('tier'))}"
    if entry.kind in (TimelineKind.STATUS, TimelineKind.SEVERITY, TimelineKind.TIER) and "to" in data:
        return f"{kind}: {label(data.get('from'))} → {label(data['to'])}"
    if entry.kind in (TimelineKind.STATUS, TimelineKind.TIER):
        return f"{kind}: {label(data.get('status') or data.get('tier'))}"
    if entry.kind is TimelineKind.CLASSIFICATION:
        changes = [(field, data[field]) for field in ("types", "jurisdictions") if isinstance(data.get(field), dict)]
        told = [f"{field.capitalize()}: {_keys(c.get('from'))} → {_keys(c.get('to'))}" for field, c in changes]
        return " · ".join(told) or kind
    if entry.kind is TimelineKind.ROLE:
        role, holder = role_label(str(data.get("role", "role"))), redactor.name(data.get("person"))
        return f"Role: {role}" if holder.startswith(role) else f"Role: {role} · {holder}"
    if entry.kind is TimelineKind.HANDOFF and "to" in data:
        step = "accepted" if "handoff_id" in data else "requested"
        return f"Hand-off {step}: {redactor.name(data.get('from'))} → {redactor.name(data.get('to'))}"
    return kind


def _keys(values: object) -> str:
    """Policy keys stored in a milestone's data (types, jurisdictions); none named means every one applies."""
    return ", ".join(str(v) for v in values) if isinstance(values, list) and values else "all"


def _phase(incident: Incident, moment: datetime) -> str:
    if moment < incident.declared_at:
        return "before"
    if incident.resolved_at is not None and moment >= incident.resolved_at:
        return "resolved"
    if incident.mitigated_at is not None and moment >= incident.mitigated_at:
        return "mitigated"
    return "response"


def _found(row: Any, column: str) -> list[Any]:
    return findings(row.pii, column, getattr(row, column) or "")


def _last_commander(incident: Incident) -> str | None:
    held = [r for r in incident.roles if r.role == "commander"]
    return max(held, key=lambda r: r.assigned_at).person if held else None


def _notices(leadership: bool, allowlist: bool, omitted: int, *, narrative_withheld: bool) -> tuple[str, ...]:
    if not leadership:
        return ("Team version: for the incident's members. Entries marked sensitive sit behind a content warning.",)
    notices = ["Leadership version: people are named by their role; personal data in free text is masked."]
    if allowlist:
        notices.append(
            "This incident is restricted: it is told from structured facts only, without its title or timeline text."
        )
        if narrative_withheld:
            notices.append("The written review is shown here once it has passed the personal-data check at submission.")
    if omitted:
        what = "restricted or sensitive" if allowlist else "sensitive"
        notices.append(f"{omitted} {what} timeline {'entry is' if omitted == 1 else 'entries are'} left out.")
    return tuple(notices)


def _team_notices_without_sensitive(omitted: int) -> tuple[str, ...]:
    """The team version for a reader who is not one of the incident's members."""
    notices = ["Team version, as everyone in the workspace may read it."]
    if omitted:
        entries = "entry is" if omitted == 1 else "entries are"
        notices.append(f"{omitted} sensitive timeline {entries} left out: they are for the incident's members only.")
    return tuple(notices)


def neutral_title(incident: Incident, policy: Policy) -> str:
    """What stands for a restricted incident's title beyond its members: e.g. "Child safety · SEV1 · EMEA"."""
    types = " + ".join(policy.types[t].label if t in policy.types else t for t in incident.type_names) or "Incident"
    return " · ".join(part for part in (types, incident.severity.value, incident.region) if part)


def display_name(incident: Incident, policy: Policy) -> str:
    """How a restricted incident is named where no reference stands beside it: "Child safety · SEV1 · EMEA ·
    INC-2026-0042"."""
    return f"{neutral_title(incident, policy)} · {incident.ref}"


def _narrative(review: Review | None, redactor: Redactor) -> Callable[[str], str]:
    """The review's narrative fields as the audience reads them; findings the author marked as not personal data
    at the publish gate stay readable."""

    def field(name: str) -> str:
        if review is None:
            return ""
        value = str(getattr(review, name) or "")
        if not redactor.pseudonymous:
            return redactor.text(value)
        cleared = set(review.not_personal or ())
        found = [f for f in findings(review.pii, name, value) if value[f.start : f.end] not in cleared]
        return redactor.text(value, found)

    return field


def _impact(incident: Incident, review: Review | None, text: Callable[[str], str]) -> ImpactView:
    """The regions are the review's when its authors named them, else the incident's own: a region is a
    structured fact, known from the declaration whether or not anyone has written the review yet."""
    named = (review.regions if review else None) or ([incident.region] if incident.region else [])
    regions = ", ".join(named) or DASH
    if review is None:
        return ImpactView(DASH, "Unknown", DASH, regions, DASH)
    return ImpactView(
        people_affected=text("people_affected") or DASH,
        minors_involved=review.minors_involved.value.capitalize(),
        content_exposure=text("content_exposure") or DASH,
        regions=regions,
        attention=text("attention") or DASH,
    )


def _metric(span: figures.Span) -> MetricView:
    return MetricView(
        key=span.key,
        label=span.label,
        value=duration(span.duration),
        start_label=span.start_label,
        start=when(span.start),
        end_label=span.end_label,
        end=when(span.end) if span.end else ("not yet" if span.start else DASH),
        start_short=short(span.start),
        end_short=short(span.end) if span.end else ("not yet" if span.start else DASH),
    )


def _cadence(cadence: figures.Cadence) -> CadenceView:
    promised = cadence.kept + cadence.missed
    summary = f"{cadence.kept} of {promised} updates on time" if promised else "No update was due"
    if cadence.missed:
        summary += f"; {cadence.missed} late or missed (worst by {duration(cadence.worst_delay)})"
    return CadenceView(cadence.kept, cadence.missed, cadence.pending, duration(cadence.worst_delay), summary)


def _obligation(
    standing: ClockStanding, policy: Policy, redactor: Redactor, *, withhold_reference: bool
) -> ObligationView:
    clock = standing.clock
    margin = duration(standing.margin)
    margin_text = {
        ClockState.MET: f"{margin} to spare",
        ClockState.MISSED: f"{margin} late",
        ClockState.RUNNING: f"{margin} left",
        ClockState.OVERDUE: f"overdue by {margin}",
    }[standing.state]
    return ObligationView(
        name=clock.name,
        regime=clock.regime,
        jurisdiction=clock.jurisdiction or DASH,
        artefact=clock.artefact,
        trigger=when(clock.trigger_at),
        aware_by=redactor.name(clock.aware_by),
        due=when(clock.due_at),
        satisfied=when(clock.satisfied_at),
        filing=_filing(standing, policy, redactor),
        reference=("withheld" if withhold_reference else redactor.text(clock.reference_id))
        if clock.reference_id
        else DASH,
        outcome=standing.state.value,
        on_time=_ON_TIME[standing.state],
        margin=margin_text,
        source_url=web_link(clock.source_url) or "",
    )


def _filing(standing: ClockStanding, policy: Policy, redactor: Redactor) -> str:
    """Whether the clock's packet was sent, and who recorded it (``vigil filing record``, or the clock satisfied with
    the recipient's reference): every audience may know that a filing was made and when; the reference is the
    obligation's to withhold."""
    clock = standing.clock
    regime = policy.clocks.get(clock.regime)
    if regime is None or regime.filing is None:
        return DASH
    return f"filed by {redactor.name(clock.satisfied_by)}" if standing.settled else "not filed yet"


def _action(action: Action, number: int, redactor: Redactor, now: datetime, allowlist: bool) -> ActionView:
    sync_note = {SyncState.PENDING: "sync pending", SyncState.SYNC_FAILED: "sync failed"}.get(action.sync_state, "")
    title = f"Action {number}" if allowlist else _written(redactor, action, "title")
    return ActionView(
        title=title,
        owner=redactor.name(action.owner),
        due=day(action.due_date),
        status=action.status.value,
        status_label=action.status.label,
        priority=action.priority.value,
        category=action.category.value.replace("_", " "),
        tracker_key=action.tracker_key,
        tracker_url=None if allowlist else web_link(action.tracker_url),
        sync_note=sync_note,
        overdue=bool(action.due_date and action.due_date < now.date() and not action.status.is_finished),
    )


def _referral(
    incident: Incident, referral: Referral, policy: Policy, redactor: Redactor, now: datetime, allowlist: bool
) -> ReferralView:
    """Kind, status and times for every audience; the note, the decision's text and the external reference are
    masked for leadership and left out altogether where only structured facts may be shown."""
    to_referral, to_decision = figures.referral_spans(incident, referral)
    column = "reason" if referral.status is ReferralStatus.DECLINED else "outcome"
    outcome = None if allowlist or not getattr(referral, column) else _written(redactor, referral, column)
    return ReferralView(
        number=referral.id,
        kind=kind_label(policy, referral.kind),
        status=referral.status.value,
        status_label=referral.status.label,
        owner=redactor.name(referral.owner),
        due=day(referral.due_date),
        overdue=is_overdue(referral, now.date()),
        requested=when(referral.requested_at),
        to_referral=duration(to_referral.duration),
        to_decision=duration(to_decision.duration),
        outcome=outcome,
        note=None if allowlist or not referral.note else _written(redactor, referral, "note"),
        external_ref=None if allowlist or not referral.external_ref else redactor.text(referral.external_ref),
        tracker_key=None if allowlist else referral.tracker_key,
    )


def _playbook_steps(
    tasks: Sequence[Task], redactor: Redactor, now: datetime, *, counts_only: bool
) -> PlaybookStepsView | None:
    """Every step with how it ended; only the counts where the audience may read no more than structured facts."""
    if not tasks:
        return None
    done = sum(1 for t in tasks if t.status is TaskStatus.DONE)
    skipped = sum(1 for t in tasks if t.status is TaskStatus.SKIPPED)
    late = sum(1 for t in tasks if t.is_late(now))
    still_open = len(tasks) - done - skipped
    noun = "step" if len(tasks) == 1 else "steps"
    return PlaybookStepsView(
        total=len(tasks),
        done=done,
        skipped=skipped,
        open=still_open,
        late=late,
        summary=f"Of {len(tasks)} {noun}: {done} done, {skipped} skipped, {still_open} open; {late} late.",
        steps=() if counts_only else tuple(_step(t, redactor, now) for t in tasks),
    )


def _step(task: Task, redactor: Redactor, now: datetime) -> StepView:
    skipped = task.status is TaskStatus.SKIPPED and bool(task.skip_reason)
    return StepView(
        playbook=task.playbook,
        text=task.text,
        owner_role=role_label(task.owner_role),
        required=task.required,
        due=when(task.due_at),
        status=task.status.value,
        status_label=task.status.value.capitalize(),
        late=task.is_late(now),
        finished=f"{when(task.finished_at)} · {redactor.name(task.finished_by)}" if task.finished_at else DASH,
        reason=_written(redactor, task, "skip_reason") if skipped else None,
    )


def _written(redactor: Redactor, row: Any, column: str) -> str:
    """A column people wrote, as the audience reads it: for leadership, with the personal data found in it when
    it was stored masked."""
    value = str(getattr(row, column) or "")
    return redactor.text(value, _found(row, column)) if redactor.pseudonymous else redactor.text(value)
