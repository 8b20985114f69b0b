"""A realistic, reproducible incident history, bulk-loaded into PostgreSQL with COPY.

Shape: severities skewed to SEV3/SEV4; declared over the last 24 months; about 3% still open (mostly recent
ones); resolution times log-normal, longer for minor incidents; a commander on every incident (some handed off),
other roles by type; restricted tiers where the type demands it or by chance; timeline sizes log-normal around
the mean, plus one incident of exactly :data:`TYPICAL_TIMELINE` entries and one of :data:`BIG_TIMELINE`.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from incidents.enums import ActionCategory, ActionPriority, ActionStatus, Severity, Status, Tier, TimelineKind
from incidents.policy import Policy

TYPICAL_TIMELINE = 20
BIG_TIMELINE = 2_000
SPAN = timedelta(days=730)

SEVERITY_WEIGHTS = {Severity.SEV0: 0.5, Severity.SEV1: 3, Severity.SEV2: 12, Severity.SEV3: 40, Severity.SEV4: 44.5}
MEDIAN_RESOLVE_HOURS = {Severity.SEV0: 3, Severity.SEV1: 6, Severity.SEV2: 20, Severity.SEV3: 48, Severity.SEV4: 120}
TIMELINE_FACTOR = {Severity.SEV0: 6.0, Severity.SEV1: 3.0, Severity.SEV2: 1.6, Severity.SEV3: 1.0, Severity.SEV4: 0.7}
TYPE_WEIGHTS = {
    "fraud_scam": 18, "account_takeover": 12, "hate_harassment": 12, "enforcement_failure": 8, "threat_violence": 8,
    "platform_outage": 6, "suicide_self_harm": 6, "law_enforcement_request": 5, "drugs": 4, "child_safety": 3,
    "ncii_sextortion": 3, "violent_extremism": 3, "regulatory_request": 3, "physical_assault": 2, "data_breach": 1,
    "sexual_assault": 1, "domestic_violence": 1, "human_trafficking": 1, "hidden_camera_privacy": 1,
    "property_damage_dispute": 1, "other": 1,
}  # fmt: skip
KIND_WEIGHTS = {
    TimelineKind.MESSAGE: 45, TimelineKind.NOTE: 20, TimelineKind.UPDATE: 10, TimelineKind.STATUS: 6,
    TimelineKind.ROLE: 6, TimelineKind.SEVERITY: 3, TimelineKind.ACTION: 5, TimelineKind.CLOCK: 3,
    TimelineKind.HANDOFF: 2,
}  # fmt: skip
WORDS = (
    "reports", "account", "removed", "escalated", "partner", "queue", "review", "appeal", "region", "spike", "pattern",
    "policy", "legal", "contact", "moderator", "evidence", "preserved", "notice", "takedown", "volume", "mitigation",
    "rollback", "classifier", "threshold",
)  # fmt: skip

INCIDENT_COLUMNS = (
    "id ref title summary severity status tier region jurisdictions detection_source declared_by occurred_at "
    "detected_at declared_at acknowledged_at mitigated_at resolved_at closed_at updated_at slack_channel_id version"
)
TIMELINE_COLUMNS = "id incident_id seq at recorded_at kind author text source_url external_id sensitive in_review data"


@dataclass
class Incident:
    id: int
    severity: Severity
    declared_at: datetime
    end: datetime
    """When it was resolved, or the load's "now" if it is still open."""
    commander: str
    row: tuple[Any, ...]
    """The ``incidents`` row, in :data:`INCIDENT_COLUMNS` order."""
    types: list[str]
    required_roles: set[str] = field(default_factory=set)
    timeline: int = 0


@dataclass(frozen=True)
class Loaded:
    typical_ref: str
    big_ref: str
    rows: dict[str, int]


def load(conninfo: str, policy: Policy, *, incidents: int, timeline: int, now: datetime, seed: int) -> Loaded:
    """Fill an empty, migrated database in one transaction and leave its sequences and ref counters consistent."""
    rng = random.Random(seed)
    people = [f"U{n:08d}" for n in range(400)]
    generated = _incidents(rng, policy, people, incidents, now)
    _spread_timeline(rng, generated, timeline)
    typical = next(i for i in generated if i.severity is Severity.SEV2 and i.end < now)
    big = next(i for i in generated if i.severity is Severity.SEV0 and i.end < now)
    _pin(generated, {typical.id: TYPICAL_TIMELINE, big.id: BIG_TIMELINE}, timeline)
    rows: dict[str, int] = {}
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET synchronous_commit = off")
        copy = _Copier(conn, rows)
        copy("people", "key display_name", ((p, f"Responder {p[-3:]}") for p in people))
        copy("incidents", INCIDENT_COLUMNS, (i.row for i in generated))
        copy("incident_types", "incident_id type", ((i.id, t) for i in generated for t in i.types))
        copy(
            "role_assignments", "id incident_id role person assigned_by assigned_at relieved_at", _roles(rng, generated)
        )
        copy("severity_changes", "id incident_id at from_severity to_severity reason actor", _severity(generated))
        updates: list[tuple[Any, ...]] = []
        copy("timeline_entries", TIMELINE_COLUMNS, _timeline(rng, generated, people, updates))
        copy(
            "status_updates", "id incident_id at author status summary impact next_steps next_update_due", iter(updates)
        )
        copy("actions", ACTION_COLUMNS, _actions(rng, generated))
        for table in ("incidents", "role_assignments", "severity_changes", "timeline_entries", "status_updates",
                      "actions"):  # fmt: skip
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.execute(
            "UPDATE incidents AS i SET timeline_seq = t.last FROM (SELECT incident_id, max(seq) AS last "
            "FROM timeline_entries GROUP BY incident_id) AS t WHERE t.incident_id = i.id"
        )
        conn.execute(
            "INSERT INTO ref_counters (year, last_value) SELECT split_part(ref, '-', 2)::int, "
            "max(split_part(ref, '-', 3)::int) FROM incidents GROUP BY 1"
        )
    return Loaded(typical_ref=typical.row[1], big_ref=big.row[1], rows=rows)


class _Copier:
    def __init__(self, conn: psycopg.Connection[Any], counts: dict[str, int]) -> None:
        self.conn, self.counts = conn, counts

    def __call__(self, table: str, columns: str, rows: Iterator[Any]) -> None:
        n = 0
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns.split())}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
                n += 1
        self.counts[table] = n


def _incidents(rng: random.Random, policy: Policy, people: list[str], count: int, now: datetime) -> list[Incident]:
    start = now - SPAN
    moments = sorted(start + SPAN * rng.random() for _ in range(count))
    severities = rng.choices(list(SEVERITY_WEIGHTS), weights=list(SEVERITY_WEIGHTS.values()), k=count)
    type_names, type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    per_year: dict[int, int] = {}
    out = []
    for n, (declared, severity) in enumerate(zip(moments, severities, strict=True), start=1):
        per_year[declared.year] = per_year.get(declared.year, 0) + 1
        types = sorted(set(rng.choices(type_names, weights=type_weights, k=2 if rng.random() < 0.15 else 1)))
        floor = max((policy.types[t].min_tier for t in types), key=lambda t: t.rank)
        chance = rng.choices(list(Tier), weights=[92, 6, 2])[0]
        tier = floor if floor.rank >= chance.rank else chance
        recent = now - declared < timedelta(days=60)
        is_open = rng.random() < (0.30 if recent else 0.006)
        hours = rng.lognormvariate(math.log(MEDIAN_RESOLVE_HOURS[severity]), 0.9)
        resolved = None if is_open else min(declared + timedelta(hours=hours), now - timedelta(minutes=1))
        acknowledged = declared + timedelta(minutes=rng.expovariate(1 / 6))
        status, mitigated, closed = _status(rng, is_open, declared, resolved, now)
        commander = rng.choice(people)
        label = policy.types[types[0]].label
        row = (
            n, f"INC-{declared.year}-{per_year[declared.year]:04d}", f"{label} report {n}",
            f"{label}: {' '.join(rng.choices(WORDS, k=12))}", severity.value, status.value, tier.value,
            rng.choice(policy.regions), json.dumps(rng.choice([[], [], ["EU"], ["US"], ["EU", "GB"]])),
            rng.choice(["user report", "classifier", "partner", "law enforcement", "press"]), commander,
            declared - timedelta(hours=rng.expovariate(1 / 12)), declared, declared,
            None if status is Status.DECLARED else acknowledged, mitigated, resolved, closed,
            closed or resolved or now, f"C{n:010d}", 1,
        )  # fmt: skip
        required = {r for t in types for r in policy.types[t].requires_roles}
        out.append(Incident(n, severity, declared, resolved or now, commander, row, types, required))
    return out


def _status(
    rng: random.Random, is_open: bool, declared: datetime, resolved: datetime | None, now: datetime
) -> tuple[Status, datetime | None, datetime | None]:
    if resolved is None:
        status = rng.choices([Status.DECLARED, Status.INVESTIGATING, Status.MITIGATED], weights=[2, 5, 3])[0]
        return status, (declared + (now - declared) / 3 if status is Status.MITIGATED else None), None
    mitigated = declared + (resolved - declared) * rng.uniform(0.2, 0.8)
    closed = resolved + timedelta(days=rng.uniform(1, 10))
    if closed < now and rng.random() < 0.85:
        return Status.CLOSED, mitigated, closed
    return Status.RESOLVED, mitigated, None


def _spread_timeline(rng: random.Random, incidents: list[Incident], total: int) -> None:
    """Log-normal sizes scaled to ``total``, at least one entry each (the declaration)."""
    raw = [TIMELINE_FACTOR[i.severity] * rng.lognormvariate(0, 0.8) for i in incidents]
    scale = total / sum(raw)
    for incident, r in zip(incidents, raw, strict=True):
        incident.timeline = max(1, round(r * scale))


def _pin(incidents: list[Incident], pinned: dict[int, int], total: int) -> None:
    """Give the probe incidents their exact sizes, then trim or pad the others so the total is exact."""
    for incident in incidents:
        incident.timeline = pinned.get(incident.id, incident.timeline)
    excess = sum(i.timeline for i in incidents) - total
    others = [i for i in incidents if i.id not in pinned]
    step = 1 if excess > 0 else -1
    k = 0
    while excess:
        incident = others[k % len(others)]
        if step < 0 or incident.timeline > 1:
            incident.timeline -= step
            excess -= step
        k += 1


def _roles(rng: random.Random, incidents: list[Incident]) -> Iterator[tuple[Any, ...]]:
    n = 0
    for i in incidents:
        first = i.declared_at
        if rng.random() < 0.1:  # handed off: the first commander is relieved when the second takes over
            handover = first + (i.end - first) * 0.3
            n += 1
            yield n, i.id, "commander", f"U{rng.randrange(400):08d}", i.commander, first, handover
            first = handover
        n += 1
        yield n, i.id, "commander", i.commander, i.commander, first, None
        legal = 1.0 if "legal" in i.required_roles else 0.05
        for role, chance in (("deputy", 0.4), ("scribe", 0.3), ("comms", 0.15), ("legal", legal)):
            if rng.random() < chance:
                n += 1
                yield n, i.id, role, f"U{rng.randrange(400):08d}", i.commander, i.declared_at, None


def _severity(incidents: list[Incident]) -> Iterator[tuple[Any, ...]]:
    for i in incidents:
        yield i.id, i.id, i.declared_at, None, i.severity.value, "declared", i.commander


def _timeline(
    rng: random.Random, incidents: list[Incident], people: list[str], updates: list[tuple[Any, ...]]
) -> Iterator[tuple[Any, ...]]:
    """Entries in time order per incident; each ``update`` entry also gets its :class:`StatusUpdate` row."""
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    n = 0
    for i in incidents:
        n += 1
        declared = f"Declared {i.severity.value}"
        yield n, i.id, 1, i.declared_at, i.declared_at, "declared", i.commander, declared, None, None, False, True, "{}"
        span = (i.end - i.declared_at).total_seconds()
        offsets = sorted(rng.random() * span for _ in range(i.timeline - 1))
        picked = zip(offsets, rng.choices(kinds, weights=weights, k=len(offsets)), strict=True)
        for seq, (offset, kind) in enumerate(picked, start=2):
            n += 1
            at = i.declared_at + timedelta(seconds=offset)
            author = i.commander if rng.random() < 0.5 else rng.choice(people)
            text = f"{kind.value}: " + " ".join(rng.choices(WORDS, k=rng.randint(6, 30)))
            url = external = None
            if kind is TimelineKind.MESSAGE:
                external = f"{int(at.timestamp())}.{n % 1_000_000:06d}"
                url = f"https://vigil.slack.com/archives/C{i.id:010d}/p{external.replace('.', '')}"
            elif kind is TimelineKind.UPDATE:
                updates.append(
                    (len(updates) + 1, i.id, at, author, "investigating", text, "", "", at + timedelta(hours=4))
                )
            sensitive = kind in (TimelineKind.MESSAGE, TimelineKind.NOTE) and rng.random() < 0.05
            yield n, i.id, seq, at, at, kind.value, author, text, url, external, sensitive, rng.random() < 0.9, "{}"


ACTION_COLUMNS = (
    "id incident_id title description owner due_date priority category status created_by created_at updated_at "
    "finished_at sync_state"
)


def _actions(rng: random.Random, incidents: list[Incident]) -> Iterator[tuple[Any, ...]]:
    """Corrective actions for the incidents that get a review (SEV0-SEV2)."""
    n = 0
    for i in incidents:
        if i.severity.rank > 2:
            continue
        for _ in range(rng.randint(1, 4)):
            n += 1
            done = rng.random() < 0.7
            yield (
                n, i.id, f"Action {n}: " + " ".join(rng.choices(WORDS, k=5)), "", i.commander,
                (i.end + timedelta(days=30)).date(), rng.choice(list(ActionPriority)).value,
                rng.choice(list(ActionCategory)).value, (ActionStatus.DONE if done else ActionStatus.OPEN).value,
                i.commander, i.end, i.end, i.end + timedelta(days=7) if done else None, "local",
            )  # fmt: skip
