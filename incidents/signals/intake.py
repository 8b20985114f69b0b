"""Taking reports in: validate, drop repeats, group, and say what each group does next.

A wave is thousands of reports about one target within minutes, from several replicas at once, so reports must not
queue behind each other. Each report is one inserted row; its group's row is only share-locked (reports do not wait
for each other, and a note or a triage decision waits for the reports in flight, so it sees them all). Repeats are
dropped by the database (``ON CONFLICT DO NOTHING`` on source and ``external_ref``), not by a look-up first; the
personal-data detection of a report's text runs before anything is locked. ``open_key`` being unique means two
replicas seeing a group's first report at once open it once (the later one retries and joins it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError

from incidents.context import CONFLICT, Ctx
from incidents.db import insert_or_nothing, table_of
from incidents.enums import Severity
from incidents.errors import Conflict, VigilError
from incidents.observability import observer
from incidents.privacy.scan import scanned
from incidents.refs import hold_counter
from incidents.signals.grouping import group_key, reopen_after_window
from incidents.signals.hints import hinted_severity
from incidents.signals.models import GroupState, Signal, SignalGroup
from incidents.signals.triage import after_signals

SOURCE_MAX = 64
TEXT_MAX = 4000
BATCH_MAX = 500
SIGNALS = table_of(Signal)
"""Reports are inserted into the table as rows: nothing of the ORM is needed for them (no flush, no chained leaf)."""


@dataclass(frozen=True)
class Report:
    """One report as a hotline, an app, a classifier or an alert sends it."""

    source: str
    type: str
    text: str = ""
    severity_hint: str | None = None
    region: str | None = None
    group_key: str | None = None
    subject: str | None = None
    reporter: str | None = None
    occurred_at: datetime | None = None
    external_ref: str | None = None

    @property
    def identity(self) -> tuple[str, str] | None:
        """What makes a report a repeat of another: its source and its id there."""
        return (self.source, self.external_ref) if self.external_ref else None


@dataclass(frozen=True)
class Received:
    """What became of one report: its signal (an earlier one for a repeat) and its group's state now."""

    signal_id: int
    group_id: int
    repeat: bool
    state: GroupState
    incident_ref: str | None
    incident_restricted: bool

    @property
    def standard_incident_ref(self) -> str | None:
        """The incident, for callers who may learn of standard incidents only."""
        return None if self.incident_restricted else self.incident_ref


@dataclass(frozen=True)
class Checked:
    """Reports that :func:`check_reports` let through, each with the severity its hint comes to: what :func:`store`
    takes. Checked once, where they come in: the API checks each call's reports (and refuses that call alone), then
    stores the calls that arrived together at once."""

    reports: tuple[Report, ...]
    hints: tuple[Severity | None, ...]

    @classmethod
    def joined(cls, parts: Sequence[Checked]) -> Checked:
        """Several calls' checked reports, in order, to store together."""
        return cls(tuple(r for part in parts for r in part.reports), tuple(h for part in parts for h in part.hints))


def receive(ctx: Ctx, reports: Sequence[Report], *, actor: str) -> list[Received]:
    """Check the reports (:func:`check_reports`: nothing is written if one cannot be taken) and :func:`store`
    them."""
    return store(ctx, check_reports(ctx, reports), actor=actor)


def store(ctx: Ctx, checked: Checked, *, actor: str) -> list[Received]:
    """Store every new report once, in its group, and act on the groups (see :func:`incidents.signals.triage.
    after_signals`). Repeats (same source and ``external_ref``, in this batch or earlier) store nothing and answer
    with the first one's signal."""
    reports, hints = checked.reports, checked.hints
    if not reports:
        return []
    now = ctx.now()
    firsts = _first_of_each(reports)
    rows = {n: _row(reports[n], actor, now) for n in firsts}  # the detector's work, before any lock is taken
    keys = {n: group_key(reports[n]) for n in firsts}
    declaring = any(hint in ctx.policy.signals.declare_at_once for hint in hints)
    if declaring:  # the counter before the groups' rows, in the order every declare from a group takes them
        hold_counter(ctx.session, now.year)
    groups = _groups_for(ctx, {keys[n]: reports[n] for n in reversed(firsts)}, now, exclusive=declaring)
    group_of = {n: groups[keys[n]] for n in firsts}
    for number, row in rows.items():
        row["group_id"] = group_of[number].id
    stored = _insert(ctx, reports, rows)
    worst: dict[int, Severity] = {}
    for number in stored:
        group_id, hint = group_of[number].id, hints[number]
        if hint is not None and (group_id not in worst or hint.rank < worst[group_id].rank):
            worst[group_id] = hint
    for group in sorted({group_of[n] for n in stored}, key=lambda g: g.id):
        after_signals(ctx, group, worst.get(group.id), actor=actor)
    observer().signals("received", len(stored))
    observer().signals("repeated", len(reports) - len(stored))
    first_with = {reports[n].identity: n for n in stored if reports[n].identity is not None}
    earlier = _earlier(ctx, {r.identity for n, r in enumerate(reports) if n not in stored} - set(first_with))
    answers: list[Received] = []
    for number, report in enumerate(reports):
        if number in stored:
            answers.append(_received(stored[number], group_of[number], repeat=False))
        elif report.identity in first_with:
            first = first_with[report.identity]
            answers.append(_received(stored[first], group_of[first], repeat=True))
        else:
            answers.append(_received(*earlier[report.identity], repeat=True))  # type: ignore[index]
    return answers


def _first_of_each(reports: Sequence[Report]) -> list[int]:
    """The reports of the batch that are not repeats of an earlier one in it."""
    seen: set[tuple[str, str]] = set()
    firsts = []
    for number, report in enumerate(reports):
        identity = report.identity
        if identity is None or identity not in seen:
            firsts.append(number)
            if identity is not None:
                seen.add(identity)
    return firsts


def _row(report: Report, actor: str, now: datetime) -> dict[str, Any]:
    """The report as a row (but for its group), with where personal data sits in its text."""
    return {
        "source": report.source,
        "external_ref": report.external_ref,
        "type": report.type,
        "severity_hint": report.severity_hint,
        "region": report.region,
        "group_key": report.group_key,
        "subject": report.subject,
        "reporter": report.reporter,
        "text": report.text,
        "occurred_at": min(report.occurred_at, now) if report.occurred_at else None,  # a sender's clock ahead of ours
        "received_at": now,
        "received_by": actor,
        "noted": False,
        "pii": scanned({"text": report.text}),
    }


def _insert(ctx: Ctx, reports: Sequence[Report], rows: dict[int, dict[str, Any]]) -> dict[int, int]:
    """Insert the rows; return the signal id of each report stored now (a repeat of an earlier call is not)."""
    stored: dict[int, int] = {}
    with_ref = [n for n in rows if reports[n].identity is not None]
    without = [n for n in rows if reports[n].identity is None]
    if with_ref:
        statement = insert_or_nothing(ctx.session, SIGNALS, ["source", "external_ref"])
        returning = statement.returning(SIGNALS.c.id, SIGNALS.c.source, SIGNALS.c.external_ref)
        returned = ctx.session.execute(returning, [rows[n] for n in with_ref])
        ids: dict[tuple[str, str | None], int] = {(r.source, r.external_ref): r.id for r in returned}
        stored |= {n: ids[reports[n].identity] for n in with_ref if reports[n].identity in ids}  # type: ignore[index]
    if without:
        plain = insert(SIGNALS).returning(SIGNALS.c.id, sort_by_parameter_order=True)
        result = ctx.session.execute(plain, [rows[n] for n in without])
        stored |= dict(zip(without, result.scalars(), strict=True))
    return stored


def _earlier(ctx: Ctx, identities: set[tuple[str, str] | None]) -> dict[tuple[str, str], tuple[int, SignalGroup]]:
    """The stored signal (and its group) of each identity a repeat of an earlier call carries."""
    wanted = {i for i in identities if i is not None}
    if not wanted:
        return {}
    found = ctx.session.execute(
        select(Signal.source, Signal.external_ref, Signal.id, SignalGroup)
        .join(SignalGroup, Signal.group_id == SignalGroup.id)
        .where(tuple_(Signal.source, Signal.external_ref).in_(wanted))
    )
    return {(source, ref or ""): (signal_id, group) for source, ref, signal_id, group in found}


def _received(signal_id: int, group: SignalGroup, *, repeat: bool) -> Received:
    incident = group.incident
    restricted = incident is not None and incident.tier.is_restricted
    return Received(signal_id, group.id, repeat, group.state, incident.ref if incident else None, restricted)


def _groups_for(
    ctx: Ctx, first_reports: dict[str, Report], now: datetime, *, exclusive: bool
) -> dict[str, SignalGroup]:
    """The open group of each key, share-locked; a new one (of the type and region of the key's first report)
    where there is none or its window has passed.

    A batch that may declare at once (a hint in the policy's ``declare_at_once``) changes its group's row, so it
    takes the row exclusively from the start: two such batches each holding it shared and then asking for it
    exclusively would deadlock, and PostgreSQL takes a second (``deadlock_timeout``) to notice.

    A group's incident is read after the lock, by a statement of its own: joined to the locking one, a group declared
    while the batch waited for its row comes back attached but without its incident (the join reads incidents as
    they were when the statement began), which would open a second group."""
    keys = set(first_reports)
    found = {
        g.open_key: g
        for g in ctx.session.scalars(
            select(SignalGroup)
            .where(SignalGroup.open_key.in_(keys))
            .with_for_update(read=not exclusive)
            .order_by(SignalGroup.id)
        )
    }
    latest = _latest(ctx, [g.id for g in found.values() if g.state is not GroupState.ATTACHED])
    groups: dict[str, SignalGroup] = {}
    for key in sorted(keys):
        group = found.get(key)
        if group is not None and reopen_after_window(ctx, group, latest.get(group.id, group.first_at), now):
            group.open_key = None
            ctx.session.flush()  # the unique key is free before the new group takes it
            group = None
        if group is None:
            group = _new_group(key, first_reports[key], now)
            ctx.session.add(group)
            observer().signals("opened")
        groups[key] = group
    try:
        ctx.session.flush()
    except IntegrityError:
        raise Conflict(CONFLICT) from None  # a replica opened the same group just now: join it on the retry
    return groups


def _latest(ctx: Ctx, group_ids: list[int]) -> dict[int, datetime]:
    if not group_ids:
        return {}
    rows = ctx.session.execute(
        select(Signal.group_id, func.max(Signal.received_at))
        .where(Signal.group_id.in_(group_ids))
        .group_by(Signal.group_id)
    )
    return {group_id: latest for group_id, latest in rows}


def _new_group(key: str, first: Report, now: datetime) -> SignalGroup:
    return SignalGroup(
        key=key,
        open_key=key,
        type=first.type,
        region=first.region,
        state=GroupState.WAITING,
        first_at=now,
        created_at=now,
    )


def check_reports(ctx: Ctx, reports: Sequence[Report]) -> Checked:
    """Refuse reports that cannot be stored, naming the first one at fault and its field (``signals[3].type``),
    with :class:`VigilError`; with the severity each one's hint comes to, ready to :func:`store`. Writes nothing."""
    return Checked(tuple(reports), tuple(_check(ctx, report, number) for number, report in enumerate(reports)))


def _check(ctx: Ctx, report: Report, number: int) -> Severity | None:
    """Refuse what cannot be stored, naming the report and field; return the severity its hint comes to."""
    where = f"signals[{number}]"
    if not report.source.strip() or len(report.source) > SOURCE_MAX:
        raise VigilError(f"{where}.source: say where the report comes from (1 to {SOURCE_MAX} characters).")
    if report.type not in ctx.policy.types:
        raise VigilError(
            f"{where}.type: unknown incident type {report.type!r}; use one of {', '.join(ctx.policy.types)}.",
            field="type",
        )
    if report.region is not None and report.region not in ctx.policy.regions:
        raise VigilError(
            f"{where}.region: unknown region {report.region!r}; use one of {', '.join(ctx.policy.regions)}.",
            field="region",
        )
    if len(report.text) > TEXT_MAX:
        raise VigilError(f"{where}.text: at most {TEXT_MAX} characters.", field="text")
    try:
        return hinted_severity(ctx.policy, report.severity_hint)
    except VigilError as exc:
        raise VigilError(f"{where}.severity_hint: {exc}", field="severity_hint") from None
