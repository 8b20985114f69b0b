"""The publish gate: submitting a review runs the personal-data check over its narrative; findings block it, per field,
until rewritten or marked as not personal data (audited by hash); an edit takes the clearance away."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Status
from incidents.errors import VigilError
from incidents.models import AuditEvent, TimelineEntry
from incidents.reviews import (
    ReviewFields,
    ReviewStatus,
    get_or_start_review,
    mark_not_personal,
    publish_review,
    submit_for_review,
    update_review,
)
from incidents.reviews.gate import GateFinding, PersonalDataFound
from tests.helpers import declared_ref

PHONE = "+44 20 7946 0958"
EMAIL = "jane.doe@example.org"
ALICE = "U_ALICE"


def _review_with_personal_data(domain: Domain) -> str:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        update_review(
            ctx,
            ref,
            ReviewFields(
                executive_summary=f"The reporter asked for a call back on {PHONE}.",
                went_poorly=f"- Nobody answered {EMAIL} for a day",
                went_well="- <@U0BOB1234> moved the host to safety",
            ),
            actor=ALICE,
        )
    return ref


def _actions(domain: Domain) -> list[str]:
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_findings_block_the_submission_per_field_and_nothing_is_written(domain: Domain) -> None:
    ref = _review_with_personal_data(domain)
    before = _actions(domain)
    with domain.unit() as ctx, pytest.raises(PersonalDataFound) as caught:
        submit_for_review(ctx, ref, actor=ALICE)
    assert caught.value.findings == (
        GateFinding("executive_summary", "phone", PHONE),
        GateFinding("went_poorly", "email", EMAIL),
    )
    assert caught.value.field == "executive_summary"
    assert caught.value.message == (
        f"The review of {ref} holds 2 things that look like personal data (executive summary, went poorly): "
        "rewrite each, or mark it as not personal data, then submit again."
    )
    assert _actions(domain) == before
    with domain.unit() as ctx:
        review = get_or_start_review(ctx, ref, actor=ALICE)
        assert (review.status, review.cleared_at, review.submitted_at) == (ReviewStatus.DRAFT, None, None)
        with pytest.raises(VigilError, match="Submit the review"):
            publish_review(ctx, ref, actor=ALICE)


def test_marked_findings_no_longer_block_and_the_audit_keeps_only_their_hash(domain: Domain) -> None:
    ref = _review_with_personal_data(domain)
    with domain.unit() as ctx, pytest.raises(VigilError, match='"0958" is not among what the personal-data check'):
        mark_not_personal(ctx, ref, [PHONE, "0958"], actor=ALICE)
    assert "review.not_personal" not in _actions(domain)

    with domain.unit() as ctx:
        mark_not_personal(ctx, ref, [PHONE], actor=ALICE)
    with domain.unit() as ctx, pytest.raises(PersonalDataFound) as caught:
        submit_for_review(ctx, ref, actor=ALICE)
    assert [f.text for f in caught.value.findings] == [EMAIL]

    with domain.unit() as ctx:
        update_review(ctx, ref, ReviewFields(went_poorly="- Nobody answered the shared inbox for a day"), actor=ALICE)
        review = submit_for_review(ctx, ref, actor="U_BOB")
        assert review.status is ReviewStatus.IN_REVIEW
        assert (review.cleared_at, review.cleared_by) == (ctx.now(), "U_BOB")
        assert review.not_personal == [PHONE]
    with domain.unit() as ctx:
        [mark] = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.not_personal")).all()
        assert mark.actor == ALICE
        assert mark.details["fields"] == ["executive_summary"] and mark.details["category"] == "phone"
        assert mark.details["sha256"] == hashlib.sha256(PHONE.encode()).hexdigest()
        assert "7946" not in str(mark.details)


def test_an_edit_of_the_narrative_takes_the_clearance_away_until_submitted_again(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        update_review(ctx, ref, ReviewFields(executive_summary="Host moved to safety."), actor=ALICE)
        submit_for_review(ctx, ref, actor=ALICE)
        lifecycle.change_status(ctx, ref, actor=ALICE, status=Status.RESOLVED)
    with domain.unit() as ctx:
        review = update_review(ctx, ref, ReviewFields(regions="EMEA, AMS"), actor=ALICE)
        assert review.leadership_cleared, "only the narrative is checked"
        review = update_review(ctx, ref, ReviewFields(went_well=f"- A neighbour called {PHONE}"), actor=ALICE)
        assert (review.cleared_at, review.cleared_by, review.status) == (None, None, ReviewStatus.IN_REVIEW)
    with domain.unit() as ctx, pytest.raises(VigilError, match="has not passed the personal-data check since"):
        publish_review(ctx, ref, actor=ALICE)
    with domain.unit() as ctx, pytest.raises(PersonalDataFound):
        submit_for_review(ctx, ref, actor=ALICE)
    with domain.unit() as ctx:
        update_review(ctx, ref, ReviewFields(went_well="- A neighbour called the police"), actor=ALICE)
        submit_for_review(ctx, ref, actor=ALICE)
        with pytest.raises(VigilError, match="already in review"):
            submit_for_review(ctx, ref, actor=ALICE)
        assert publish_review(ctx, ref, actor=ALICE).status is ReviewStatus.PUBLISHED
    with domain.unit() as ctx:
        notes = ctx.session.scalars(
            select(TimelineEntry.text).where(TimelineEntry.text.like("Post-incident%")).order_by(TimelineEntry.seq)
        ).all()
        assert notes[-2:] == [
            "Post-incident review submitted for review again after an edit.",
            "Post-incident review published.",
        ]
