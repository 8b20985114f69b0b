"""Corrective and preventive actions. Each change queues a tracker sync; the sync reports back here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Final

from incidents.context import Ctx
from incidents.effects import write_entry
from incidents.enums import ActionCategory, ActionPriority, ActionStatus, SyncState, TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.guards import choice, plain, required_text
from incidents.models import Action, Incident
from incidents.outbox import Topic, enqueue
from incidents.queries import incident_to_change


class _Unset(Enum):
    """An :class:`ActionChanges` field left as it is (where ``None`` means "clear it")."""

    UNSET = "unset"


_UNSET: Final = _Unset.UNSET


def parse_priority(value: str) -> ActionPriority:
    return choice(ActionPriority, value, what="priority", field="priority")


def parse_category(value: str) -> ActionCategory:
    return choice(ActionCategory, value, what="category", field="category")


def add_action(
    ctx: Ctx,
    ref: str,
    *,
    actor: str,
    title: str,
    owner: str | None = None,
    due_date: date | None = None,
    description: str = "",
    priority: ActionPriority = ActionPriority.MEDIUM,
    category: ActionCategory = ActionCategory.PREVENT,
    tracked: bool = False,
) -> Action:
    """``tracked`` says a tracker is configured: the action is queued for it and marked pending."""
    incident = incident_to_change(ctx, ref)
    title = required_text(title, "title", label="An action title", limit=255)
    _check_due(ctx, due_date)
    now = ctx.now()
    action = Action(
        incident=incident,
        title=title,
        description=plain(description),
        owner=owner,
        due_date=due_date,
        priority=priority,
        category=category,
        status=ActionStatus.OPEN,
        created_by=actor,
        created_at=now,
        updated_at=now,
        sync_state=SyncState.PENDING if tracked else SyncState.LOCAL,
    )
    ctx.session.add(action)
    ctx.session.flush()
    owner_text = f" (owner <@{owner}>" + (f", due {due_date.isoformat()})" if due_date else ")") if owner else ""
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.ACTION,
        actor=actor,
        text=f"Action added: {title}{owner_text}",
        audit_action="action.add",
        data={"action_id": action.id},
    )
    _queue_sync(ctx, incident, action, tracked)
    return action


@dataclass(frozen=True)
class ActionChanges:
    title: str | None = None
    description: str | None = None
    owner: str | _Unset | None = _UNSET
    due_date: date | _Unset | None = _UNSET
    priority: ActionPriority | None = None
    category: ActionCategory | None = None
    status: ActionStatus | None = None
    resolution: str | None = None


def update_action(
    ctx: Ctx,
    action_id: int,
    changes: ActionChanges,
    *,
    actor: str,
    tracked: bool = False,
    from_tracker: bool = False,
) -> Action:
    """Apply ``changes``. Changes that came from the tracker (``from_tracker``) are not sent back to it."""
    action = get_action(ctx, action_id)
    incident = action.incident
    applied: dict[str, str | None] = {}
    if changes.title is not None:
        action.title = applied["title"] = required_text(changes.title, "title", label="An action title", limit=255)
    if changes.description is not None:
        action.description = applied["description"] = plain(changes.description)
    if changes.owner is not _UNSET:
        action.owner = changes.owner
        applied["owner"] = action.owner
    if changes.due_date is not _UNSET:
        if not from_tracker:
            _check_due(ctx, changes.due_date)
        action.due_date = changes.due_date
        applied["due_date"] = action.due_date.isoformat() if action.due_date else None
    if changes.priority is not None:
        action.priority = changes.priority
        applied["priority"] = changes.priority.value
    if changes.category is not None:
        action.category = changes.category
        applied["category"] = changes.category.value
    if changes.status is not None and changes.status is not action.status:
        action.status = changes.status
        action.finished_at = ctx.now() if changes.status.is_finished else None
        action.resolution = changes.resolution
        applied["status"] = changes.status.value
    if not applied:
        return action
    action.updated_at = ctx.now()
    summary = ", ".join(f"{k} → {v}" for k, v in applied.items() if k != "description") or "description"
    write_entry(
        ctx,
        incident,
        kind=TimelineKind.ACTION,
        actor=actor,
        text=f"Action “{action.title}” updated: {summary}",
        audit_action="action.update",
        data={"action_id": action.id, "from_tracker": from_tracker},
        announce="status" in applied,
    )
    if not from_tracker:
        _queue_sync(ctx, incident, action, tracked)
    return action


def record_sync(
    ctx: Ctx, action_id: int, *, state: SyncState, key: str | None = None, url: str | None = None
) -> Action:
    """The tracker adapter reports where an action stands with the tracker."""
    action = get_action(ctx, action_id)
    action.sync_state = state
    if key is not None:
        action.tracker_key, action.tracker_url = key, url
    return action


def get_action(ctx: Ctx, action_id: int) -> Action:
    action = ctx.session.get(Action, action_id)
    if action is None:
        raise NotFound(f"No action #{action_id}.", field="action")
    return action


def _check_due(ctx: Ctx, due_date: date | None) -> None:
    if due_date is not None and due_date < ctx.now().date():
        raise VigilError("The due date is in the past.", field="due_date")


def _queue_sync(ctx: Ctx, incident: Incident, action: Action, tracked: bool) -> None:
    if not tracked:
        return
    action.sync_state = SyncState.PENDING if action.tracker_key is None else action.sync_state
    queue_sync(ctx, action)


def queue_sync(ctx: Ctx, action: Action) -> None:
    """Have the tracker bring the action's issue up to date: one waiting delivery per action is enough, since
    it reads the action as it is when delivered."""
    enqueue(
        ctx.session,
        Topic.ACTION_CHANGED,
        now=ctx.now(),
        incident_id=action.incident_id,
        payload={"action_id": action.id},
        once_for=action.id,
    )
