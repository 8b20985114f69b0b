"""The review's Playbook steps section: every step done, skipped (with its reason) or still open, and which were
late; the leadership version masks personal data in skip reasons, and tells a restricted incident's steps by
counts alone."""

from __future__ import annotations

from datetime import timedelta

from incidents.context import Domain
from incidents.tasks import service as tasks
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.reviews.conftest import Render

REASON = "The account was suspended after jane.doe@example.org wrote to support"


def _close_steps(domain: Domain, time_source: ManualTime, ref: str) -> dict[str, str]:
    """45 minutes in: the 30-minute step done late, the first 1-hour step done on time, one skipped with a reason.
    Returns the steps' texts by key."""
    with domain.unit() as ctx:
        steps = {t.step_key: t for t in tasks.list_tasks(ctx, ref)[1]}
        ids, texts = {k: t.id for k, t in steps.items()}, {k: t.text for k, t in steps.items()}
    time_source.advance(timedelta(minutes=45))
    first, second, *_, skipped = ids.values()
    with domain.unit() as ctx:
        tasks.complete_task(ctx, first, actor="U_ALICE")
        tasks.complete_task(ctx, second, actor="U_ALICE")
        tasks.skip_task(ctx, skipped, actor="U_ALICE", reason=REASON)
    return texts


def _section(review: str) -> str:
    start = review.index("## Playbook steps")
    return review[start : review.index("\n## ", start + 1)]


def test_the_team_reads_each_step_with_how_it_ended(domain: Domain, time_source: ManualTime, render: Render) -> None:
    ref = declared_ref(domain, jurisdictions=["US"])  # threat_violence: four steps, 30 min, 1 h, 1 h after, 2 h
    texts = _close_steps(domain, time_source, ref)
    section = _section(render(ref, "md", "team", actor="U_ALICE"))
    assert "Of 4 steps: 2 done, 1 skipped, 1 open; 1 late." in section
    rows = {line.split(" | ")[0].lstrip("| "): line for line in section.splitlines() if line.startswith("| ")}
    assert " | Done (late) | 2026-11-23 12:45 UTC · " in rows[texts["assess_danger"]]
    assert " | Done | 2026-11-23 12:45 UTC · " in rows[texts["emergency_disclosure"]]
    assert " | Open | — | — |" in rows[texts["record_disclosure"]]
    assert rows[texts["restrict_content"]].endswith(" | Skipped | 2026-11-23 12:45 UTC · U_ALICE | " + REASON + " |")

    html = render(ref, "html", "team", actor="U_ALICE")
    assert '<span class="pill skipped">Skipped</span>' in html and REASON in html


def test_leadership_reads_skip_reasons_masked(domain: Domain, time_source: ManualTime, render: Render) -> None:
    ref = declared_ref(domain, jurisdictions=["US"])
    texts = _close_steps(domain, time_source, ref)
    review = render(ref, "md", "leadership")
    section = _section(review)
    assert texts["restrict_content"] in section and "The account was suspended after " in section
    assert "jane.doe@example.org" not in review and "U_ALICE" not in review


def test_leadership_reads_a_restricted_incidents_steps_as_counts_only(
    domain: Domain, time_source: ManualTime, render: Render
) -> None:
    ref = declared_ref(domain, types=["suicide_self_harm"], title="Live stream of self-harm", jurisdictions=["US"])
    texts = _close_steps(domain, time_source, ref)
    team = _section(render(ref, "md", "team", actor="U_ALICE"))
    assert REASON in team and all(text in team for text in texts.values())
    for fmt in ("md", "html"):
        leadership = render(ref, fmt, "leadership")
        assert "Of 5 steps: 2 done, 1 skipped, 2 open; 1 late." in leadership
        assert "jane.doe" not in leadership and "suspended" not in leadership
        assert not any(text in leadership for text in texts.values())
