"""At-most-once processing of events that outside systems may deliver more than once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from incidents.context import Ctx
from incidents.models import InboundEvent


def first_time(ctx: Ctx, source: str, event_id: str) -> bool:
    """Claim ``event_id``; False if it was claimed before (by this process or another replica).

    The claim commits with the rest of the unit of work, so an event whose processing failed is not marked seen.
    """
    try:
        with ctx.session.begin_nested():
            ctx.session.add(InboundEvent(source=source, event_id=event_id, received_at=ctx.now()))
    except IntegrityError:
        return False
    return True
