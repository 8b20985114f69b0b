"""``vigil tasks REF`` and ``vigil task done|skip ID``: an incident's playbook steps, listed and closed."""

from __future__ import annotations

import argparse

from incidents.context import Ctx
from incidents.tasks import service as tasks
from incidents.tasks.models import Task, TaskStatus
from vigil.cli.database import acting, reading
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.terminal import when
from vigil.cli.values import positive


def _line(task: Task, ctx: Ctx) -> str:
    if task.status is TaskStatus.OPEN:
        late = " LATE" if task.is_late(ctx.now()) else ""
        state = f"due {when(task.due_at)}{late}"
    elif task.status is TaskStatus.DONE:
        state = f"done {when(task.finished_at)}"
    else:
        state = f"skipped: {task.skip_reason}"
    optional = "" if task.required else " (optional)"
    return f"#{task.id} [{task.playbook}] {task.text}{optional} ({task.owner_role}; {state})"


def _list(ctx: Ctx, a: argparse.Namespace) -> str:
    incident, listed = tasks.list_tasks(ctx, a.ref)
    if not listed:
        return f"{incident.ref} has no playbook steps."
    lines = "\n".join(_line(t, ctx) for t in listed)
    return f"{incident.ref}: {tasks.progress(listed, ctx.now())}\n{lines}"


def _done(ctx: Ctx, a: argparse.Namespace) -> str:
    task = tasks.complete_task(ctx, a.id, actor=a.actor)
    return f"Step #{task.id} of {task.incident.ref} done: {task.text}"


def _skip(ctx: Ctx, a: argparse.Namespace) -> str:
    task = tasks.skip_task(ctx, a.id, actor=a.actor, reason=a.reason)
    return f"Step #{task.id} of {task.incident.ref} skipped: {task.text}"


def _define_tasks(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", help=REF_HELP)
    p.set_defaults(handler=reading(_list))


def _define_task(p: argparse.ArgumentParser) -> None:
    steps = p.add_subparsers(dest="task_command", required=True, metavar="STEP", title="steps")
    done = steps.add_parser("done", help="mark a playbook step done", description="Mark a playbook step done.")
    done.add_argument("id", type=positive, help="the step's number, as `vigil tasks REF` lists it")
    done.set_defaults(handler=acting(_done))
    skip = steps.add_parser("skip", help="skip a playbook step, saying why", description="Skip a playbook step.")
    skip.add_argument("id", type=positive, help="the step's number, as `vigil tasks REF` lists it")
    skip.add_argument("--reason", required=True, help="why the step is skipped (the review lists it)")
    skip.set_defaults(handler=acting(_skip))


DEFINITIONS: dict[str, Definition] = {"tasks": _define_tasks, "task": _define_task}
