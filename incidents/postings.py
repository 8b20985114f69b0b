"""Where Vigil's own messages about an incident live, so adapters edit rather than repost."""

from __future__ import annotations

from sqlalchemy import select

from incidents.context import Ctx
from incidents.models import Posting


def find_posting(
    ctx: Ctx, incident_id: int, kind: str, channel: str | None = None, *, for_update: bool = False
) -> Posting | None:
    """``for_update``: hold the row until commit, so writers who decide from it take turns (PostgreSQL)."""
    query = select(Posting).where(Posting.incident_id == incident_id, Posting.kind == kind)
    if channel is not None:
        query = query.where(Posting.channel == channel)
    if for_update:
        query = query.with_for_update()
    return ctx.session.scalars(query.order_by(Posting.id)).first()


def record_posting(ctx: Ctx, incident_id: int, kind: str, channel: str, external_id: str) -> Posting:
    posting = Posting(
        incident_id=incident_id, kind=kind, channel=channel, external_id=external_id, created_at=ctx.now()
    )
    ctx.session.add(posting)
    return posting


def list_postings(ctx: Ctx, incident_id: int) -> list[Posting]:
    return list(ctx.session.scalars(select(Posting).where(Posting.incident_id == incident_id).order_by(Posting.id)))
