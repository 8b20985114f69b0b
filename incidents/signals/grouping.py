"""Which group a report joins: the caller's ``group_key``, else its type and subject, else its type and region.

Keys hold hashes, never the subject or the caller's key as written: a group's key outlives erasure of its
signals' personal data, and an account name in it would be personal data kept for ever.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from incidents.context import Ctx
from incidents.signals.models import GroupState, SignalGroup

if TYPE_CHECKING:
    from incidents.signals.intake import Report


def group_key(report: Report) -> str:
    if report.group_key and report.group_key.strip():
        return f"key:{_digest(report.group_key.strip())}"
    if report.subject and report.subject.strip():
        return f"subject:{report.type}:{_digest(' '.join(report.subject.casefold().split()))}"
    return f"region:{report.type}:{report.region or '-'}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:40]


def reopen_after_window(ctx: Ctx, group: SignalGroup, latest: datetime, now: datetime) -> bool:
    """Whether a report arriving now starts a new group instead: the group's incident is over, or (for a group
    no incident took) the window since its latest report (at ``latest``) has passed."""
    if group.state is GroupState.ATTACHED:
        return group.incident is None or not group.incident.status.is_open
    return latest + ctx.policy.signals.window < now
