"""The review's life: started pre-filled, edited, submitted, published, then frozen; restricted to members."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from incidents import lifecycle, timeline
from incidents.context import Domain
from incidents.enums import Severity, Status, Tier
from incidents.errors import VigilError
from incidents.models import AuditEvent, TimelineEntry
from incidents.outbox import OutboxMessage, Topic
from incidents.reviews import (
    Minors,
    ReviewFields,
    ReviewStatus,
    get_or_start_review,
    publish_review,
    submit_for_review,
    update_review,
)
from incidents.timesource import ManualTime
from tests.reviews.scenario import REF


def _incident(domain: Domain, tier: Tier = Tier.STANDARD) -> str:
    with domain.unit() as ctx:
        incident = lifecycle.declare(
            ctx, actor="U0RITA", title="Checkout down", types=["platform_outage"], severity=Severity.SEV2, tier=tier
        )
        timeline.post_update(ctx, incident.ref, actor="U0RITA", summary="Payments failing in EU; rollback underway.")
        return incident.ref


def test_review_starts_as_a_draft_prefilled_from_the_last_update(domain: Domain) -> None:
    ref = _incident(domain)
    with domain.unit() as ctx:
        review = get_or_start_review(ctx, ref, actor="U0RITA")
        assert (review.status, review.owner) == (ReviewStatus.DRAFT, "U0RITA")
        assert review.executive_summary == "Payments failing in EU; rollback underway."
        assert get_or_start_review(ctx, ref, actor="U0SAM").id == review.id
    with domain.unit() as ctx:
        actions = ctx.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions.count("review.start") == 1


def test_update_changes_only_given_fields_and_audits_their_names(domain: Domain) -> None:
    ref = _incident(domain)
    with domain.unit() as ctx:
        update_review(
            ctx,
            ref,
            ReviewFields(went_well="Rollback took 4 minutes", minors_involved=Minors.NO, regions="EMEA, AMS"),
            actor="U0RITA",
        )
        review = update_review(ctx, ref, ReviewFields(went_poorly="Alert fired late"), actor="U0SAM")
        assert review.went_well == "Rollback took 4 minutes" and review.went_poorly == "Alert fired late"
        assert review.regions == ["EMEA", "AMS"] and review.minors_involved is Minors.NO
    with domain.unit() as ctx:
        edits = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.update")).all()
        assert [e.details["fields"] for e in edits] == [["minors_involved", "regions", "went_well"], ["went_poorly"]]
        assert all("Rollback" not in str(e.details) for e in edits)


def test_review_is_frozen_once_published(domain: Domain, time_source: ManualTime) -> None:
    from tests.reviews.scenario import build_incident

    build_incident(domain, time_source)
    with domain.unit() as ctx, pytest.raises(VigilError, match="published and can no longer be edited"):
        update_review(ctx, REF, ReviewFields(went_well="more"), actor="U0BONGANI")
    with domain.unit() as ctx, pytest.raises(VigilError, match="already published"):
        publish_review(ctx, REF, actor="U0BONGANI")
    with domain.unit() as ctx:
        published = ctx.session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == Topic.REVIEW_PUBLISHED)
        ).all()
        assert len(published) == 1
        notes = ctx.session.scalars(
            select(TimelineEntry.text).where(TimelineEntry.text.like("Post-incident%")).order_by(TimelineEntry.seq)
        ).all()
        assert notes == [
            "Post-incident review started.",
            "Post-incident review submitted for review.",
            "Post-incident review published.",
        ]


def test_submit_needs_a_summary_and_publish_needs_submission_and_resolution(domain: Domain) -> None:
    ref = _incident(domain)
    with domain.unit() as ctx:
        update_review(ctx, ref, ReviewFields(executive_summary=""), actor="U0RITA")
    with domain.unit() as ctx, pytest.raises(VigilError, match="executive summary") as caught:
        submit_for_review(ctx, ref, actor="U0RITA")
    assert caught.value.field == "executive_summary"
    with domain.unit() as ctx, pytest.raises(VigilError, match="Submit the review"):
        publish_review(ctx, ref, actor="U0RITA")
    with domain.unit() as ctx:
        update_review(ctx, ref, ReviewFields(executive_summary="Checkout failed for 40 minutes."), actor="U0RITA")
        assert submit_for_review(ctx, ref, actor="U0RITA").status is ReviewStatus.IN_REVIEW
    with domain.unit() as ctx, pytest.raises(VigilError, match="resolve it before publishing"):
        publish_review(ctx, ref, actor="U0RITA")
    with domain.unit() as ctx:
        lifecycle.change_status(ctx, ref, actor="U0RITA", status=Status.RESOLVED)
        review = publish_review(ctx, ref, actor="U0RITA")
        assert (review.status, review.published_by) == (ReviewStatus.PUBLISHED, "U0RITA")
        assert review.published_at == ctx.now()


def test_restricted_incident_review_is_for_members_only(domain: Domain) -> None:
    ref = _incident(domain, Tier.RESTRICTED)
    with domain.unit() as ctx, pytest.raises(VigilError, match="only its members"):
        get_or_start_review(ctx, ref, actor="U0OUTSIDER")
    with domain.unit() as ctx, pytest.raises(VigilError, match="only its members"):
        update_review(ctx, ref, ReviewFields(went_well="x"), actor="U0OUTSIDER")


def test_overlong_field_is_refused_with_its_name(domain: Domain) -> None:
    ref = _incident(domain)
    with domain.unit() as ctx, pytest.raises(VigilError, match="Went poorly is too long") as caught:
        update_review(ctx, ref, ReviewFields(went_poorly="x" * 10_001), actor="U0RITA")
    assert caught.value.field == "went_poorly"
