"""What the incident's own record says about the response: durations, update cadence, clocks, severity.

Pure functions of a loaded incident and "now" (for what is still running); nothing here reads the database.
No metric ranks individual people.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.clocks.standing import ClockStanding, clock_standing
from incidents.enums import Severity
from incidents.models import Incident
from incidents.paging.models import Page
from incidents.referrals.models import Referral


@dataclass(frozen=True)
class Span:
    """A duration between two anchors; ``end`` is None while the end has not happened."""

    key: str
    label: str
    start_label: str
    start: datetime | None
    end_label: str
    end: datetime | None

    @property
    def duration(self) -> timedelta | None:
        return self.end - self.start if self.start and self.end else None


@dataclass(frozen=True)
class Cadence:
    """Each promised update (a due time) was kept if the next update came by then."""

    kept: int
    missed: int
    pending: int
    worst_delay: timedelta | None
    missed_dues: tuple[datetime, ...]


@dataclass(frozen=True)
class Metrics:
    spans: tuple[Span, ...]
    cadence: Cadence
    clocks: tuple[ClockStanding, ...]
    peak_severity: Severity
    final_severity: Severity
    severity_path: tuple[tuple[datetime, Severity], ...]


def compute(
    incident: Incident, now: datetime, *, first_update_minutes: int | None = None, pages: Sequence[Page] = ()
) -> Metrics:
    """``first_update_minutes`` is the cadence of the severity at declaration: the first update was due then.
    With ``pages``, the spans add the time to page and the time until someone acknowledged a page."""
    path = tuple((c.at, c.to_severity) for c in incident.severity_changes)
    path = path or ((incident.declared_at, incident.severity),)
    return Metrics(
        spans=spans(incident) + page_spans(incident, pages),
        cadence=cadence(incident, now, first_update_minutes=first_update_minutes),
        clocks=tuple(clock_standing(c, now) for c in incident.clocks),
        peak_severity=min((s for _, s in path), key=lambda s: s.rank),
        final_severity=incident.severity,
        severity_path=path,
    )


def time_open(incident: Incident, now: datetime) -> timedelta:
    """Declaration to resolution, or to ``now`` while unresolved: how long the web view and the list say an
    incident was (or has been) open. Once resolved it is the review's time to resolve (:func:`spans`)."""
    return (incident.resolved_at or now) - incident.declared_at


def initial_severity(incident: Incident) -> Severity:
    return incident.severity_changes[0].to_severity if incident.severity_changes else incident.severity


def spans(incident: Incident) -> tuple[Span, ...]:
    declared = incident.declared_at
    return (
        Span("detect", "Time to detect", "occurred", incident.occurred_at, "detected", incident.detected_at),
        Span("declare", "Time to declare", "detected", incident.detected_at, "declared", declared),
        Span("acknowledge", "Time to acknowledge", "declared", declared, "acknowledged", incident.acknowledged_at),
        Span("mitigate", "Time to mitigate", "declared", declared, "mitigated", incident.mitigated_at),
        Span("resolve", "Time to resolve", "declared", declared, "resolved", incident.resolved_at),
    )


def page_spans(incident: Incident, pages: Sequence[Page]) -> tuple[Span, ...]:
    """From the declare to the first page the paging service accepted, and from then to the first
    acknowledgement; nothing for an incident nobody was paged for."""
    if not pages:
        return ()
    sent = min((p.sent_at for p in pages if p.sent_at is not None), default=None)
    acknowledged = min((p.acknowledged_at for p in pages if p.acknowledged_at is not None), default=None)
    return (
        Span("page", "Time to page", "declared", incident.declared_at, "paged", sent),
        Span("page_acknowledge", "Time to acknowledge the page", "paged", sent, "page acknowledged", acknowledged),
    )


def cadence(incident: Incident, now: datetime, *, first_update_minutes: int | None = None) -> Cadence:
    """A promise falls away if the incident was resolved before it fell due; one not yet due is pending."""
    times = sorted(u.at for u in incident.updates)
    promises = [(u.at, u.next_update_due) for u in incident.updates if u.next_update_due is not None]
    if first_update_minutes:
        promises.insert(0, (incident.declared_at, incident.declared_at + timedelta(minutes=first_update_minutes)))
    kept = missed = pending = 0
    worst: timedelta | None = None
    missed_dues: list[datetime] = []
    ended = incident.resolved_at or incident.closed_at
    for issued, due in promises:
        index = bisect_right(times, issued)
        following = times[index] if index < len(times) else None
        if following is not None and following <= due:
            kept += 1
        elif ended is not None and ended <= due and (following is None or following > ended):
            continue
        elif following is None and ended is None and now <= due:
            pending += 1
        else:
            missed += 1
            missed_dues.append(due)
            delay = (following or ended or now) - due
            worst = delay if worst is None or delay > worst else worst
    return Cadence(kept, missed, pending, worst, tuple(missed_dues))


def referral_spans(incident: Incident, referral: Referral) -> tuple[Span, Span]:
    """From the declaration to the referral, and to its decision (or its refusal, which also settles it)."""
    settled = referral.decided_at or referral.declined_at
    return (
        Span("to_referral", "Time to referral", "declared", incident.declared_at, "referred", referral.requested_at),
        Span("to_decision", "Time to decision", "declared", incident.declared_at, "decided", settled),
    )
