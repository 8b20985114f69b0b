"""Render a 10,000-entry, 200-action incident's review in every format and audience; print the timings, and what
detecting personal data costs per entry when it is written.

Target: under 1 s per rendering (load from the database + build the document + render the template), with the
leadership version masking what the detector stored at write time.
Run: ``.venv/bin/python bench/bench_reviews.py [DATABASE_URL]`` (default: a fresh SQLite file).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.review_blocks import review_summary
from incidents import lifecycle
from incidents.context import Ctx, Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.effects import next_timeline_seq
from incidents.enums import (
    ActionCategory,
    ActionPriority,
    ActionStatus,
    Severity,
    Status,
    SyncState,
    TimelineKind,
)
from incidents.migrate import upgrade
from incidents.models import Action, StatusUpdate, TimelineEntry
from incidents.people import upsert_person
from incidents.policy import load_policy
from incidents.privacy.detector import detect, detector
from incidents.queries import incident_to_show
from incidents.reviews import Audience, Format, load_templates, render_review, review_document
from incidents.timesource import ManualTime
from vigil.process import settle_heap

ENTRIES, ACTIONS, UPDATE_EVERY = 10_000, 200, 25
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KINDS = [TimelineKind.NOTE, TimelineKind.MESSAGE, TimelineKind.MESSAGE, TimelineKind.ACTION, TimelineKind.ROLE]


def build(domain: Domain, time_source: ManualTime) -> str:
    with domain.unit() as ctx:
        for n in range(40):
            upsert_person(ctx, f"U{n:04d}", display_name=f"Responder {n} Example", email=f"r{n}@example.com")
        incident = lifecycle.declare(
            ctx,
            actor="U0000",
            title="Coordinated harassment wave against a creator",
            types=["hate_harassment", "threat_violence"],
            severity=Severity.SEV1,
            roles={"deputy": "U0001", "scribe": "U0002", "legal": "U0003"},
        )
        ref = incident.ref
        for i in range(ENTRIES):
            at = START + timedelta(seconds=30 * i)
            author = f"U{i % 40:04d}"
            kind = KINDS[i % len(KINDS)]
            text = f"Entry {i}: <@U{(i * 7) % 40:04d}> reviewed report batch {i} & escalated <b>{i % 13}</b> items"
            if i % 50 == 0:
                text += f"; reporter at r{i}@example.org or +44 20 7946 {i % 10000:04d}"
            ctx.session.add(
                TimelineEntry(
                    incident=incident,
                    at=at,
                    seq=next_timeline_seq(incident),
                    recorded_at=at,
                    kind=kind,
                    author=author,
                    text=text,
                    sensitive=i % 40 == 0,
                    in_review=True,
                    data={},
                )
            )
            if i % UPDATE_EVERY == 0:
                ctx.session.add(
                    StatusUpdate(
                        incident=incident,
                        at=at,
                        author=author,
                        status=Status.INVESTIGATING,
                        summary=f"Update {i}",
                        impact="",
                        next_steps="",
                        next_update_due=at + timedelta(minutes=13 if i % 100 else 9),
                    )
                )
        for a in range(ACTIONS):
            ctx.session.add(
                Action(
                    incident=incident,
                    title=f"Corrective action {a}: tighten rate limits on report type {a % 9}",
                    description="",
                    owner=f"U{a % 40:04d}",
                    due_date=date(2026, 12, 1) + timedelta(days=a % 60),
                    priority=ActionPriority.MEDIUM,
                    category=ActionCategory.PREVENT,
                    status=list(ActionStatus)[a % 4],
                    created_by="U0000",
                    created_at=START,
                    updated_at=START,
                    tracker_key=f"SAFE-{1000 + a}",
                    tracker_url=f"https://jira.example.com/browse/SAFE-{1000 + a}",
                    sync_state=SyncState.SYNCED,
                )
            )
    time_source.set(START + timedelta(seconds=30 * ENTRIES + 60))
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U0000")
    return ref


def detection_cost(domain: Domain, ref: str) -> None:
    """Detection per entry as a write pays it (the flush hook runs the same ``detect``)."""
    with domain.unit() as ctx:
        texts = ctx.session.scalars(
            select(TimelineEntry.text).where(TimelineEntry.incident_id == incident_to_show(ctx, ref).id).limit(2000)
        ).all()
    timings = []
    for text in texts:
        began = time.perf_counter()
        detect(text)
        timings.append(time.perf_counter() - began)
    timings.sort()
    with_data = [t for t, text in zip(timings, texts, strict=True) if "@example.org" in text]
    print(
        f"detector at write time: {1000 * statistics.mean(timings):.2f} ms mean, "
        f"{1000 * timings[len(timings) // 2]:.2f} ms median, {1000 * timings[int(len(timings) * 0.99)]:.2f} ms p99 "
        f"per entry over {len(timings)} entries ({len(with_data)} with an e-mail and a phone number)"
    )


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    time_source = ManualTime(START)
    domain = Domain(engine, make_sessionmaker(engine), load_policy(), time_source)
    detector()
    started = time.perf_counter()
    ref = build(domain, time_source)
    print(
        f"built {ENTRIES} entries, {ACTIONS} actions on {engine.dialect.name} in {time.perf_counter() - started:.1f} s"
    )
    detection_cost(domain, ref)
    templates = load_templates()
    settle_heap()  # as the process that serves reviews does once it has started
    with domain.unit() as ctx:
        began = time.perf_counter()
        incident_to_show(ctx, ref)
        print(f"load incident alone: {1000 * (time.perf_counter() - began):.0f} ms")
    renderers: dict[str, Callable[[Ctx, Audience], str]] = {
        fmt.value: lambda ctx, audience, fmt=fmt: render_review(
            ctx, ref, actor="U0000", audience=audience, fmt=fmt, templates=templates
        )
        for fmt in Format
    }
    renderers["slack"] = lambda ctx, audience: json.dumps(
        review_summary(review_document(ctx, ref, actor="U0000", audience=audience))
    )
    worst = 0.0
    for name, render in renderers.items():
        for audience in Audience:
            timings, cpu, size = [], [], 0
            for _ in range(5):
                with domain.unit() as ctx:
                    began, began_cpu = time.perf_counter(), time.process_time()
                    text = render(ctx, audience)
                    timings.append(time.perf_counter() - began)
                    cpu.append(time.process_time() - began_cpu)
                    size = len(text.encode())
            median, median_cpu = sorted(timings)[2], sorted(cpu)[2]
            worst = max(worst, median)
            print(
                f"{name:>5} {audience.value:<10} median {1000 * median:5.0f} ms wall, {1000 * median_cpu:5.0f} ms "
                f"CPU, best {1000 * min(timings):5.0f} ms wall  ({size / 1e6:.1f} MB)"
            )
    print(
        f"target < 1000 ms per rendering: {'met' if worst < 1 else 'MISSED'} (worst median {1000 * worst:.0f} ms wall)"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    engine.dispose()


if __name__ == "__main__":
    main()
