"""An alert that stopped firing is noted on its incident, never resolves it: an engineering alert clearing says
nothing about whether the people affected are safe."""

from __future__ import annotations

from sqlalchemy import select

from incidents.context import Ctx
from incidents.effects import write_entry
from incidents.enums import TimelineKind
from incidents.models import TimelineEntry
from incidents.signals.models import Signal
from incidents.signals.triage import SYSTEM


def note_resolved(ctx: Ctx, source: str, external_ref: str, what: str) -> bool:
    """Note that the signal ``external_ref`` of ``source`` resolved, once, on its group's incident (if any).
    Returns whether a note was written now."""
    signal = ctx.session.scalar(select(Signal).where(Signal.source == source, Signal.external_ref == external_ref))
    incident = signal.group.incident if signal is not None else None
    if incident is None:
        return False
    marker = f"resolved:{source}:{external_ref}"[:200]
    if ctx.session.scalar(select(TimelineEntry.id).where(TimelineEntry.external_id == marker)) is not None:
        return False
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.SIGNALS,
        actor=SYSTEM,
        text=f"Resolved in {source}: {what} (the incident stays as it is)",
        external_id=marker,
        data={"resolved": external_ref, "source": source},
    )
    return True
