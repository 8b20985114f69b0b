"""Forgetting what was erased: once a party's identifiers or an incident's free text are gone from its rows (which
appends their new versions to the log), the salts of the leaves about what the rows said before are erased too.
Without its salt, a leaf's hash of the old text can no longer confirm a guess of it; the hashes themselves stay,
so every link, root and checkpoint verifies as before, and ``vigil verify`` says when and by whom the text was
erased (the erasure's own audit event, which is in the log, must say the same)."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from incidents.context import Ctx
from incidents.record.models import RecordLeaf

CHUNK = 500


def forget_earlier_text(ctx: Ctx, log: int, *, actor: str, action: str) -> int:
    """Erase the salts of the leaves of ``log`` that no longer describe a row as it is (an earlier version, or a
    row since deleted), as done by ``actor`` through the audited ``action``; how many were erased."""
    ctx.session.flush()
    latest: dict[tuple[str, int], int] = {}
    salted: list[tuple[int, tuple[str, int]]] = []
    rows = ctx.session.execute(
        select(RecordLeaf.idx, RecordLeaf.body, RecordLeaf.salts.is_not(None))
        .where(RecordLeaf.log == log)
        .order_by(RecordLeaf.idx)
    )
    for idx, body, has_salts in rows:
        leaf = json.loads(body)
        key = (str(leaf["t"]), int(leaf["id"]))
        if leaf.get("op") == "put":
            latest[key] = idx
        else:
            latest.pop(key, None)
        if has_salts:
            salted.append((idx, key))
    stale = [idx for idx, key in salted if latest.get(key) != idx]
    now = ctx.now()
    for start in range(0, len(stale), CHUNK):
        ctx.session.execute(
            update(RecordLeaf)
            .where(RecordLeaf.log == log, RecordLeaf.idx.in_(stale[start : start + CHUNK]))
            .values(salts=None, erased_at=now, erased_by=actor, erasure=action)
        )
    return len(stale)
