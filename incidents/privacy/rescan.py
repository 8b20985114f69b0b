"""``vigil redaction rescan``: store a fresh scan for every row the current detector has not scanned.

Reviews re-detect stale rows when they are read, so nothing leaks meanwhile; a rescan makes reading fast again
after a detector upgrade (and fills in rows written before scanning existed). What is made from an incident's scan
and stored beside it, the title leadership reads (:mod:`incidents.leadership_title`, which the analysts' views
show), is made again with it, and made for incidents written before it was stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select

from incidents.context import Ctx
from incidents.leadership_title import store_leadership_title
from incidents.models import Action, Incident, TimelineEntry
from incidents.privacy.findings import DETECTOR_VERSION
from incidents.privacy.scan import is_current, scan
from incidents.reviews.models import Review

_Scanned = TypeVar("_Scanned", bound="Incident | TimelineEntry | Action | Review")

SCANNED: tuple[tuple[type[Incident | TimelineEntry | Action | Review], str], ...] = (
    (Incident, "incidents"),
    (TimelineEntry, "timeline entries"),
    (Action, "actions"),
    (Review, "reviews"),
)


@dataclass(frozen=True)
class Rescan:
    rescanned: dict[str, int]
    current: int

    @property
    def message(self) -> str:
        done = ", ".join(f"{label} {n}" for label, n in self.rescanned.items() if n) or "nothing"
        already = "1 row was" if self.current == 1 else f"{self.current} rows were"
        return f"Rescanned with detector {DETECTOR_VERSION}: {done}; {already} already current."


def rescan(ctx: Ctx, *, batch: int = 500) -> Rescan:
    """Scan again every row whose stored scan is missing or from another detector version, a batch at a time."""
    rescanned: dict[str, int] = {}
    current = 0
    for model, label in SCANNED:
        rescanned[label], already = _rescan_rows(ctx, model, batch=batch)
        current += already
    return Rescan(rescanned, current)


def _rescan_rows(ctx: Ctx, model: type[_Scanned], *, batch: int) -> tuple[int, int]:
    """Rescan the rows of ``model`` whose scan is not current: (how many were rescanned, how many were current)."""
    rescanned = current = 0
    last_id = 0
    while True:
        rows = ctx.session.scalars(select(model).where(model.id > last_id).order_by(model.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            stale = not is_current(row.pii)
            if stale:
                scan(row)
                rescanned += 1
            else:
                current += 1
            if isinstance(row, Incident) and (stale or row.leadership_title is None):
                store_leadership_title(row)
        ctx.session.flush()
        last_id = rows[-1].id
    return rescanned, current
