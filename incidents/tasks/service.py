"""Playbook steps as tasks: added by policy on declare and when a change makes another playbook apply, then done or
skipped (with a reason) by the people the steps name. Every change goes on the timeline with who and when.

A step is identified by its playbook and key, so rules that overlap, or a playbook that applies again after a
change, never add it twice. Steps are never removed when a playbook stops applying: what was asked stays on record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import object_session, selectinload

from incidents.context import Ctx
from incidents.effects import write_entry
from incidents.enums import OPEN_STATUSES, TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.guards import required_text
from incidents.models import Incident
from incidents.policy import Playbook
from incidents.queries import incident_to_change
from incidents.scheduling.models import NudgeKind
from incidents.scheduling.nudges import Due
from incidents.tasks.models import Task, TaskStatus

REMIND_BEFORE = timedelta(hours=1)
"""How long before a step is due its owners are reminded (at most half the time the step was given)."""
StepId = tuple[str, str]
"""(playbook, step key): what makes a step the same step."""


@dataclass(frozen=True)
class Progress:
    """How far the incident is through its steps: finished (done or skipped) of total, and how many are late."""

    finished: int
    total: int
    late: int

    def __str__(self) -> str:
        late = f", {self.late} late" if self.late else ""
        return f"{self.finished}/{self.total} steps{late}"


def progress(tasks: Iterable[Task], now: datetime) -> Progress:
    tasks = list(tasks)
    finished = sum(1 for t in tasks if t.status is not TaskStatus.OPEN)
    late = sum(1 for t in tasks if t.status is TaskStatus.OPEN and t.is_late(now))
    return Progress(finished, len(tasks), late)


def start_playbooks(ctx: Ctx, incident: Incident, *, actor: str) -> list[Task]:
    """The steps of every playbook a just-declared incident matches (it has none yet, so nothing is looked up)."""
    return _add(ctx, incident, set(), actor=actor)


def apply_playbooks(ctx: Ctx, incident: Incident, *, actor: str) -> list[Task]:
    """After a change of type, severity, tier or jurisdiction: add the steps of playbooks that now apply."""
    known = set(ctx.session.execute(select(Task.playbook, Task.step_key).where(Task.incident_id == incident.id)))
    return _add(ctx, incident, {(p, k) for p, k in known}, actor=actor)


def list_tasks(ctx: Ctx, ref: str) -> tuple[Incident, list[Task]]:
    """The incident and its steps in the order they were added (a playbook's steps in its order)."""
    incident = incident_to_change(ctx, ref)
    return incident, tasks_of(incident)


def tasks_of(incident: Incident) -> list[Task]:
    """The incident's steps, in order; none for an incident built in memory and never stored."""
    session = object_session(incident)
    if session is None:
        return []
    return list(session.scalars(select(Task).where(Task.incident_id == incident.id).order_by(Task.id)))


def get_task(ctx: Ctx, task_id: int, *, ref: str | None = None) -> Task:
    """The task; with ``ref``, only if it is one of that incident's (a task id alone reveals no other incident)."""
    task = ctx.session.get(Task, task_id)
    if task is None or (ref is not None and task.incident.ref != ref.strip().upper()):
        where = f" on {ref.strip().upper()}" if ref is not None else ""
        raise NotFound(f"No task #{task_id}{where}: `vigil tasks REF` lists them.", field="task")
    return task


def complete_task(ctx: Ctx, task_id: int, *, actor: str, ref: str | None = None) -> Task:
    task = _open_task(ctx, task_id, ref)
    _finish(ctx, task, TaskStatus.DONE, actor)
    late = " (late)" if task.is_late(ctx.now()) else ""
    _record(ctx, task, actor, f"Step done{late}: {task.text}", "task.complete")
    return task


def skip_task(ctx: Ctx, task_id: int, *, actor: str, reason: str, ref: str | None = None) -> Task:
    """Skipping needs a reason: the review lists it beside the step."""
    task = _open_task(ctx, task_id, ref)
    task.skip_reason = required_text(reason, "reason", label="A reason to skip the step", limit=1000)
    _finish(ctx, task, TaskStatus.SKIPPED, actor)
    _record(ctx, task, actor, f"Step skipped: {task.text}. Reason: {task.skip_reason}", "task.skip")
    return task


def task_reminders(ctx: Ctx, now: datetime) -> Iterator[Due]:
    """Open steps of open incidents: the owner role is reminded before the step is due, and told once it is late
    (the commander when nobody holds the role). Keyed by the due time, so a re-planned step reminds again."""
    found = ctx.session.scalars(
        select(Task)
        .join(Incident)
        .where(Task.status == TaskStatus.OPEN, Task.due_at <= now + REMIND_BEFORE, Incident.status.in_(OPEN_STATUSES))
        .options(selectinload(Task.incident).selectinload(Incident.roles))
    )
    for task in found:
        incident = task.incident
        owners = incident.current_holders(task.owner_role) or incident.current_holders("commander")
        details = {"task_id": task.id, "text": task.text, "due_at": task.due_at.isoformat(), "role": task.owner_role}
        subject = f"task:{task.id}"
        soon = task.due_at - min(REMIND_BEFORE, (task.due_at - task.added_at) / 2)
        if now > task.due_at:
            yield Due(NudgeKind.TASK_OVERDUE, subject, task.due_at, incident.id, owners, details)
        elif now >= soon:
            yield Due(NudgeKind.TASK_DUE_SOON, subject, soon, incident.id, owners, details)


def _add(ctx: Ctx, incident: Incident, known: set[StepId], *, actor: str) -> list[Task]:
    now = ctx.now()
    matching = {
        name: playbook
        for name, playbook in ctx.policy.playbooks.items()
        if playbook.matches(incident.type_names, incident.severity, incident.tier, incident.jurisdictions)
    }
    added: list[Task] = []
    for name, playbook in matching.items():
        new = _steps(incident, name, playbook, known, now)
        if not new:
            continue
        ctx.session.add_all(new)
        known.update((name, task.step_key) for task in new)
        added += new
        write_entry(
            ctx,
            incident,
            kind=TimelineKind.TASK,
            actor=actor,
            text=f"Playbook {name}: {_steps_count(len(new))} added.",  # its source is the entry's link
            audit_action="task.add",
            data={"playbook": name, "steps": [t.step_key for t in new]},
            source_url=playbook.source,
            announce=False,
        )
    return added


def _steps(incident: Incident, name: str, playbook: Playbook, known: set[StepId], now: datetime) -> list[Task]:
    due: dict[str, datetime] = {}
    new = []
    for position, step in enumerate(playbook.steps):
        anchor = due[step.after] if step.after is not None else now
        due[step.key] = anchor + step.offset
        if (name, step.key) in known:
            continue
        new.append(
            Task(
                incident=incident,
                playbook=name,
                step_key=step.key,
                position=position,
                text=step.text,
                owner_role=step.owner_role,
                required=step.required,
                after_step=step.after,
                offset_minutes=step.offset // timedelta(minutes=1),
                source_url=playbook.source,
                added_at=now,
                due_at=due[step.key],
                status=TaskStatus.OPEN,
            )
        )
    return new


def _steps_count(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def _open_task(ctx: Ctx, task_id: int, ref: str | None) -> Task:
    task = get_task(ctx, task_id, ref=ref)
    if task.status is not TaskStatus.OPEN:
        raise VigilError(f"Step #{task.id} of {task.incident.ref} is already {task.status.value}.", field="task")
    return task


def _finish(ctx: Ctx, task: Task, status: TaskStatus, actor: str) -> None:
    """Close the step and re-plan the open steps that count from it: from now, not from when it was due."""
    now = ctx.now()
    task.status, task.finished_at, task.finished_by = status, now, actor
    for follower in _followers(ctx, task):
        follower.due_at = now + timedelta(minutes=follower.offset_minutes)


def _followers(ctx: Ctx, task: Task) -> Sequence[Task]:
    return ctx.session.scalars(
        select(Task).where(
            Task.incident_id == task.incident_id,
            Task.playbook == task.playbook,
            Task.after_step == task.step_key,
            Task.status == TaskStatus.OPEN,
        )
    ).all()


def _record(ctx: Ctx, task: Task, actor: str, text: str, audit_action: str) -> None:
    write_entry(
        ctx,
        task.incident,
        kind=TimelineKind.TASK,
        actor=actor,
        text=text,
        audit_action=audit_action,
        data={"task_id": task.id, "playbook": task.playbook, "step": task.step_key, "status": task.status.value},
    )
