"""Where the chat adapter posted a group for triage, kept on the group so the post is edited, never repeated.

Posting is claimed first (under the group's row lock) and recorded after: a second delivery for the same group
that runs meanwhile, on this replica or another, sees the claim and waits for the ts instead of posting again; a
claim whose holder died is taken over, and the taker looks for the holder's post before posting (see
:mod:`bot.triage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from incidents.context import Ctx
from incidents.errors import NotFound
from incidents.signals.models import SignalGroup

CLAIM_FOR = timedelta(seconds=30)
"""How long a claim to post holds before another delivery may take it over (a post takes well under a second)."""


@dataclass(frozen=True)
class TriageSlot:
    """What a delivery should do. ``ts`` set: edit that post. Else ``claimed``: post it (this delivery holds the
    claim; ``taken_over`` says an earlier holder may have posted already). Neither: another delivery is posting."""

    channel: str
    ts: str | None
    claimed: bool
    taken_over: datetime | None = None


def claim_triage_post(ctx: Ctx, group_id: int, channel: str, *, holder: int) -> TriageSlot:
    """Lock the group and say whether ``holder`` (an outbox message id) is to post it, edit it, or wait.

    A claim by the same holder (its own earlier try) is kept; a claim older than :data:`CLAIM_FOR` is taken over
    with ``taken_over`` set to when it was made. Raises :class:`NotFound` for an unknown group."""
    group = _locked(ctx, group_id)
    stored = group.triage_post or {}
    if stored.get("ts"):
        return TriageSlot(str(stored["channel"]), str(stored["ts"]), claimed=False)
    now = ctx.now()
    claimed_at = datetime.fromisoformat(stored["claimed_at"]) if stored.get("claimed_at") else None
    if claimed_at is not None and stored.get("holder") != holder and now - claimed_at < CLAIM_FOR:
        return TriageSlot(str(stored["channel"]), None, claimed=False)
    taken_over = claimed_at if claimed_at is not None and stored.get("holder") != holder else None
    group.triage_post = {"channel": channel, "claimed_at": now.isoformat(), "holder": holder}
    return TriageSlot(channel, None, claimed=True, taken_over=taken_over)


def record_triage_post(ctx: Ctx, group_id: int, channel: str, ts: str) -> None:
    """Remember where the group's triage post is (idempotent; the latest post wins)."""
    _locked(ctx, group_id).triage_post = {"channel": channel, "ts": ts}


def _locked(ctx: Ctx, group_id: int) -> SignalGroup:
    group = ctx.session.scalar(select(SignalGroup).where(SignalGroup.id == group_id).with_for_update())
    if group is None:
        raise NotFound(f"No signal group {group_id}.", field="group")
    return group


def shown_for_triage(ctx: Ctx, group_id: int) -> bool:
    """Whether a post of the group was ever made or claimed: a group decided before that needs no post."""
    group = ctx.session.get(SignalGroup, group_id)
    return group is not None and group.triage_post is not None
