"""Detect once, at write time: findings are stored with the text, re-detected when stale, and one bad row never
takes a leadership view down."""

from __future__ import annotations

from sqlalchemy import select, update

from incidents import actions, lifecycle, timeline
from incidents.context import Domain
from incidents.enums import Severity
from incidents.models import Action, TimelineEntry
from incidents.privacy.findings import DETECTOR_VERSION
from incidents.privacy.rescan import rescan
from incidents.reviews import Audience, Format, load_templates, render_review
from incidents.reviews.document import WITHHELD

PHONE = "+44 20 7946 0958"


def _incident(domain: Domain) -> str:
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx, actor="U0RITA", title="Payment page outage", types=["platform_outage"], severity=Severity.SEV3
        ).ref
        timeline.add_note(ctx, ref, actor="U0RITA", text=f"Customer asks for a call on {PHONE}")
        timeline.add_note(ctx, ref, actor="U0RITA", text="Rolled back the release")
        actions.add_action(ctx, ref, actor="U0RITA", title=f"Call back {PHONE} with the outcome")
    return ref


def _leadership(domain: Domain, ref: str) -> str:
    with domain.unit() as ctx:
        return render_review(
            ctx, ref, actor="U0EXEC", audience=Audience.LEADERSHIP, fmt=Format.MARKDOWN, templates=load_templates()
        )


def test_findings_are_stored_with_the_text_when_it_is_written(domain: Domain) -> None:
    ref = _incident(domain)
    with domain.unit() as ctx:
        note = ctx.session.scalars(select(TimelineEntry).where(TimelineEntry.text.like("Customer%"))).one()
        plain = ctx.session.scalars(select(TimelineEntry).where(TimelineEntry.text.like("Rolled%"))).one()
        action = ctx.session.scalars(select(Action)).one()
        start = note.text.index(PHONE)
        assert note.pii == {"v": DETECTOR_VERSION, "f": {"text": [[start, start + len(PHONE), "phone"]]}}
        assert plain.pii == {"v": DETECTOR_VERSION, "f": {}}
        assert action.pii is not None and action.pii["f"]["title"][0][2] == "phone"
        action.title = "Rolled back the release for good"
    with domain.unit() as ctx:
        assert ctx.session.scalars(select(Action)).one().pii == {"v": DETECTOR_VERSION, "f": {}}
    assert PHONE not in _leadership(domain, ref)


def test_rows_scanned_by_another_version_are_detected_again_and_rescanned(domain: Domain) -> None:
    ref = _incident(domain)
    with domain.unit() as ctx:
        ctx.session.execute(update(TimelineEntry).values(pii={"v": "0.old", "f": {}}))
        ctx.session.execute(update(Action).values(pii=None))
    assert PHONE not in _leadership(domain, ref)
    with domain.unit() as ctx:
        done = rescan(ctx)
    assert done.rescanned["timeline entries"] >= 3 and done.rescanned["actions"] == 1
    assert done.message.startswith(f"Rescanned with detector {DETECTOR_VERSION}: ")
    with domain.unit() as ctx:
        stored = ctx.session.scalars(select(TimelineEntry.pii)).all()
    assert stored and all(pii is not None and pii["v"] == DETECTOR_VERSION for pii in stored)
    with domain.unit() as ctx:
        assert rescan(ctx).rescanned == dict.fromkeys(("incidents", "timeline entries", "actions", "reviews"), 0)


def test_one_entry_that_cannot_be_prepared_is_withheld_and_the_review_still_renders(domain: Domain) -> None:
    ref = _incident(domain)
    with domain.unit() as ctx:
        broken = {"v": DETECTOR_VERSION, "f": {"text": [["not", "a span", "phone"]]}}
        ctx.session.execute(update(TimelineEntry).where(TimelineEntry.text.like("Customer%")).values(pii=broken))
    shown = _leadership(domain, ref)
    assert WITHHELD.replace("[", "\\[").replace("]", "\\]") in shown and PHONE not in shown
    assert "Rolled back the release" in shown
