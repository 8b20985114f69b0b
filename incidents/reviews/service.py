"""The review's life: started (pre-filled), edited, submitted for review, published, then frozen.

Who may work on a review is :mod:`incidents.access`'s decision (``EDIT_REVIEW``): for restricted incidents, the
incident's members only. Start, submit and publish go
on the incident's timeline and in the audit log; edits go in the audit log (field names only, never the text).
Submitting runs the publish gate (:mod:`incidents.reviews.gate`): the narrative is cleared for leadership only once
nothing in it looks like personal data, or the author marked it as not personal data; an edit of the narrative
takes the clearance away, and publishing needs it. Publishing queues ``Topic.REVIEW_PUBLISHED``, whose handler (the
Slack bot) posts the summary and uploads the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from textwrap import shorten

from sqlalchemy import select

from incidents.access import Act, Standing, Who, acting, permits, standing_of
from incidents.access.reading import existing_standing
from incidents.context import Ctx
from incidents.effects import audit, write_entry
from incidents.enums import TimelineKind
from incidents.errors import VigilError
from incidents.guards import choice, plain
from incidents.models import Incident, Person
from incidents.outbox import Topic, enqueue
from incidents.people import people_by_key, people_of
from incidents.queries import incident_to_show
from incidents.reviews import gate
from incidents.reviews.models import Minors, Review, ReviewStatus

TEXT_LIMIT = 10_000


@dataclass(frozen=True)
class ReviewFields:
    """What the review form edits. ``None`` leaves a field as it is; an empty string clears it."""

    owner: str | None = None
    executive_summary: str | None = None
    people_affected: str | None = None
    minors_involved: Minors | None = None
    content_exposure: str | None = None
    regions: Sequence[str] | None = None
    attention: str | None = None
    contributing_factors: str | None = None
    went_well: str | None = None
    went_poorly: str | None = None
    got_lucky: str | None = None
    care_for_affected: str | None = None
    wellbeing_note: str | None = None


def parse_minors(value: str) -> Minors:
    return choice(Minors, value, what="answer to minors involved", field="minors_involved")


def check_access(incident: Incident, actor: str | Who) -> None:
    """:class:`VigilError` unless ``actor`` may work on the incident's review (restricted: its members only)."""
    who = acting(actor)
    _check(who, standing_of(incident, who))


def _check(who: Who, found: Standing) -> None:
    if permits(who, found, Act.EDIT_REVIEW):
        return
    if found.tier.is_restricted:
        raise VigilError(f"{found.ref} is {found.tier.value}: only its members can work on or read its full review.")
    raise VigilError(f"Only the team works on the review of {found.ref}.")


def find_review(ctx: Ctx, incident: Incident) -> Review | None:
    return ctx.session.scalar(select(Review).where(Review.incident_id == incident.id))


def get_or_start_review(ctx: Ctx, ref: str, *, actor: str | Who) -> Review:
    """The incident's review, started on first use with a summary drafted from the last status update. Access is
    decided (:func:`check_access`) before the incident is loaded."""
    who = acting(actor)
    found = existing_standing(ctx, who, ref)
    _check(who, found)
    incident = incident_to_show(ctx, found.ref)
    review = find_review(ctx, incident)
    if review is not None:
        return review
    now = ctx.now()
    last_update = incident.updates[-1] if incident.updates else None
    review = Review(
        incident=incident,
        status=ReviewStatus.DRAFT,
        owner=who.key,
        executive_summary=last_update.summary if last_update else incident.summary,
        people_affected="",
        minors_involved=Minors.UNKNOWN,
        content_exposure="",
        regions=[incident.region] if incident.region else [],
        attention="",
        contributing_factors="",
        went_well="",
        went_poorly="",
        got_lucky="",
        care_for_affected="",
        wellbeing_note="",
        created_by=who.key,
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(review)
    ctx.session.flush()
    _record(ctx, review, who.key, "Post-incident review started.", "review.start")
    return review


def update_review(ctx: Ctx, ref: str, changes: ReviewFields, *, actor: str) -> Review:
    """Apply ``changes``; refused once published. Returns the review, unchanged if nothing differed."""
    review = get_or_start_review(ctx, ref, actor=actor)
    _require_editable(review)
    changed: list[str] = []
    for field in fields(ReviewFields):
        value = getattr(changes, field.name)
        if value is None:
            continue
        value = _clean(field.name, value)
        if getattr(review, field.name) != value:
            setattr(review, field.name, value)
            changed.append(field.name)
    if changed:
        review.updated_at = ctx.now()
        if set(changed) & set(gate.NARRATIVE_FIELDS):
            review.cleared_at, review.cleared_by = None, None
        audit(ctx, actor, "review.update", review.incident, review_id=review.id, fields=changed)
    return review


def submit_for_review(ctx: Ctx, ref: str, *, actor: str) -> Review:
    """Draft → in review, through the publish gate: the summary and an owner are needed before others are asked to
    read it, and nothing unmarked in the narrative may look like personal data (:class:`gate.PersonalDataFound`).
    A review in review whose narrative changed since is submitted again the same way."""
    review = get_or_start_review(ctx, ref, actor=actor)
    if review.status is ReviewStatus.PUBLISHED or (
        review.status is ReviewStatus.IN_REVIEW and review.leadership_cleared
    ):
        raise VigilError(f"The review of {review.incident.ref} is already {review.status.label}.")
    if not review.executive_summary.strip():
        raise VigilError("Write the executive summary before submitting the review.", field="executive_summary")
    if not review.owner:
        raise VigilError("Name the review's owner before submitting it.", field="owner")
    gate.check(review, _own_people(ctx, review))
    again = review.status is ReviewStatus.IN_REVIEW
    now = ctx.now()
    review.status, review.submitted_at, review.updated_at = ReviewStatus.IN_REVIEW, now, now
    review.cleared_at, review.cleared_by = now, actor
    text = "Post-incident review submitted for review" + (" again after an edit." if again else ".")
    _record(ctx, review, actor, text, "review.submit")
    return review


def gate_findings(ctx: Ctx, review: Review) -> list[gate.GateFinding]:
    """What the publish gate finds in the review's narrative, the incident's own people left out."""
    return gate.review_findings(review, _own_people(ctx, review))


def _own_people(ctx: Ctx, review: Review) -> dict[str, Person]:
    return people_by_key(ctx, people_of(review.incident))


def mark_not_personal(ctx: Ctx, ref: str, texts: Iterable[str], *, actor: str) -> Review:
    """The author says these findings of the gate are not personal data (a product name, a public address), so they
    no longer block the submission and leadership reads them as written. Only current findings can be marked;
    each mark is audited with the field, the kind of finding and the text's SHA-256, never the text."""
    review = get_or_start_review(ctx, ref, actor=actor)
    _require_editable(review)
    found: dict[str, list[gate.GateFinding]] = {}
    for finding in gate_findings(ctx, review):
        found.setdefault(finding.text, []).append(finding)
    wanted = list(dict.fromkeys(texts))
    unknown = next((text for text in wanted if text not in found), None)
    if unknown is not None:
        raise VigilError(
            f'"{shorten(unknown, 60, placeholder="…")}" is not among what the personal-data check found in the '
            f"review of {review.incident.ref}; mark only its findings, exactly as they are written."
        )
    marked = review.not_personal or []
    new = [text for text in wanted if text not in marked]
    if not new:
        return review
    review.not_personal = [*marked, *new]
    review.updated_at = ctx.now()
    for text in new:
        hits = found[text]
        audit(
            ctx,
            actor,
            "review.not_personal",
            review.incident,
            review_id=review.id,
            fields=[h.field for h in hits],
            category=hits[0].category,
            sha256=gate.digest(text),
        )
    return review


def publish_review(ctx: Ctx, ref: str, *, actor: str) -> Review:
    """In review → published, once the incident is resolved. Freezes the review and queues its publication."""
    review = get_or_start_review(ctx, ref, actor=actor)
    incident = review.incident
    if review.status is ReviewStatus.PUBLISHED:
        raise VigilError(f"The review of {incident.ref} was already published.")
    if review.status is not ReviewStatus.IN_REVIEW:
        raise VigilError(f"Submit the review of {incident.ref} for review before publishing it.")
    if not review.leadership_cleared:
        raise VigilError(
            f"The review of {incident.ref} has not passed the personal-data check since its last edit; submit it "
            "for review again before publishing it."
        )
    if incident.status.is_open:
        raise VigilError(f"{incident.ref} is still {incident.status.value}; resolve it before publishing its review.")
    now = ctx.now()
    review.status, review.published_at, review.published_by, review.updated_at = (
        ReviewStatus.PUBLISHED,
        now,
        actor,
        now,
    )
    _record(ctx, review, actor, "Post-incident review published.", "review.publish")
    enqueue(ctx.session, Topic.REVIEW_PUBLISHED, now=now, incident_id=incident.id, payload={"review_id": review.id})
    return review


def _require_editable(review: Review) -> None:
    if review.status is ReviewStatus.PUBLISHED:
        raise VigilError(f"The review of {review.incident.ref} is published and can no longer be edited.")


def _clean(name: str, value: object) -> object:
    if name == "minors_involved":
        return value if isinstance(value, Minors) else parse_minors(str(value))
    if name == "regions":
        if isinstance(value, str):
            items: Iterable[object] = value.split(",")
        elif isinstance(value, Iterable):
            items = value
        else:
            raise TypeError(f"regions must be text or a sequence of text, not {type(value).__name__}")
        return list(dict.fromkeys(r.strip() for r in items if isinstance(r, str) and r.strip()))
    text = plain(str(value))
    if name == "owner":
        return text or None
    if len(text) > TEXT_LIMIT:
        label = name.replace("_", " ").capitalize()
        raise VigilError(f"{label} is too long (at most {TEXT_LIMIT} characters).", field=name)
    return text


def _record(ctx: Ctx, review: Review, actor: str, text: str, audit_action: str) -> None:
    """Review events go on the incident timeline, kept out of the review itself (``in_review`` off)."""
    entry = write_entry(
        ctx,
        review.incident,
        kind=TimelineKind.NOTE,
        actor=actor,
        text=text,
        audit_action=audit_action,
        data={"review": review.status.value, "review_id": review.id},
        announce=False,
    )
    entry.in_review = False
