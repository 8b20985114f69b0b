"""When checkpoints are made: by the scheduler's leader, on every tick, once one is due. One is due an hour after the
last (whether or not anything grew, to show the record was kept), and as soon as a resolved or closed incident, or
one whose review is published, has leaves no checkpoint fixes yet: a resolve or a publish is fixed within a tick.
Without a signing key configured there is nothing to sign with, and nothing is made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, func, or_, select

from incidents.context import Ctx, Domain
from incidents.enums import Status
from incidents.models import Incident
from incidents.record.checkpoints import HOURLY, Checkpoint, latest_checkpoint, make_checkpoint
from incidents.record.checks import check_logs
from incidents.record.models import RecordHead, RecordLog
from incidents.record.signing import Signer, signer_from
from incidents.reviews.models import Review, ReviewStatus
from incidents.settings import Settings

EVERY = timedelta(hours=1)
SETTLED = "resolve or publish"


def checkpoint_if_due(domain: Domain, settings: Settings) -> Checkpoint | None:
    """A checkpoint, if one is due (its posting to the record channel queued when there is one), with the logs it
    fixed verified (:mod:`incidents.record.checks`); else None."""
    signer = signer_from(settings)
    if signer is None:
        return None
    made = domain.run(lambda ctx: _if_due(ctx, signer, anchored=settings.record_channel is not None))
    if made is not None and made.heads:
        check_logs(domain, settings, [head.log for head in made.heads])
    return made


def _if_due(ctx: Ctx, signer: Signer, *, anchored: bool) -> Checkpoint | None:
    latest = latest_checkpoint(ctx.session)
    if latest is None or latest.at + EVERY <= ctx.now():
        return make_checkpoint(ctx, signer, HOURLY, anchored=anchored)
    if _settled_and_grown(ctx):
        return make_checkpoint(ctx, signer, SETTLED, anchored=anchored)
    return None


def _settled_and_grown(ctx: Ctx) -> bool:
    """Whether a resolved or closed incident, or one with a published review, has leaves past its last checkpoint."""
    checkpointed = select(func.max(RecordHead.size)).where(RecordHead.log == RecordLog.log).scalar_subquery()
    published = exists().where(Review.incident_id == Incident.id, Review.status == ReviewStatus.PUBLISHED)
    query = (
        select(RecordLog.log)
        .join(Incident, Incident.id == RecordLog.log)
        .where(
            RecordLog.size > func.coalesce(checkpointed, 0),
            or_(Incident.status.in_((Status.RESOLVED, Status.CLOSED)), published),
        )
        .limit(1)
    )
    return ctx.session.scalar(query) is not None
