"""What ``/incident tasks`` shows: the incident's playbook steps with Done and Skip buttons, and the small form that
asks why a step is skipped. Step text is the policy's, escaped like any other text on its way to Slack."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.blocks.text import Block, Mrkdwn, context, header, md, plain, section, when
from bot.ids import ActionId, Field, ViewId
from incidents.models import Incident
from incidents.tasks.models import Task, TaskStatus
from incidents.tasks.service import progress, tasks_of

MAX_OPEN_SHOWN = 20
"""Each open step takes two blocks (its text, its buttons) and a message holds at most 50."""
SKIP_REASON_MAX = 1000


def task_list(ref: str, tasks: Sequence[Task], now: datetime) -> Block:
    """The steps as an ephemeral message: open ones with their buttons, finished ones on one line each."""
    if not tasks:
        text = f"{ref} has no playbook steps: no playbook in the policy matches its type, severity and tier."
        return {"text": text, "blocks": [section(text)]}
    summary = f"{ref}: {progress(tasks, now)}"
    blocks: list[Block] = [header(summary)]
    open_tasks = [t for t in tasks if t.status is TaskStatus.OPEN]
    for task in open_tasks[:MAX_OPEN_SHOWN]:
        blocks += [section(_open_line(task, now)), _buttons(task)]
    hidden = len(open_tasks) - MAX_OPEN_SHOWN
    finished = [_finished_line(t) for t in tasks if t.status is not TaskStatus.OPEN]
    notes = [f"{hidden} more open steps: `vigil tasks {ref}` lists them all."] if hidden > 0 else []
    if finished:
        blocks.append(section(Mrkdwn("\n".join(finished))))
    if notes:
        blocks.append(context(*notes))
    return {"text": summary, "blocks": blocks}


def progress_section(incident: Incident, now: datetime) -> list[Block]:
    """The card's line: "4/9 steps, 1 late" (no block for an incident without steps)."""
    found = tasks_of(incident)
    if not found:
        return []
    steps = progress(found, now)
    flag = Mrkdwn(" :warning:") if steps.late else ""
    return [section(md("*Playbook* {}{} · `/incident tasks`", str(steps), flag))]


def skip_modal(task: Task) -> Block:
    """Ask why the step is skipped: the reason goes on the timeline and into the review."""
    return {
        "type": "modal",
        "callback_id": ViewId.TASK_SKIP,
        "title": plain("Skip a step", 24),
        "submit": plain("Skip step"),
        "close": plain("Cancel"),
        "private_metadata": str(task.id),
        "blocks": [
            section(md("*{}*", task.text)),
            {
                "type": "input",
                "block_id": Field.SKIP_REASON.value,
                "label": plain("Why is it skipped?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": Field.SKIP_REASON.value,
                    "multiline": True,
                    "max_length": SKIP_REASON_MAX,
                },
            },
        ],
    }


def _open_line(task: Task, now: datetime) -> Mrkdwn:
    late = " :warning: *late*" if task.is_late(now) else ""
    optional = "" if task.required else " (optional)"
    return md("{}{}\n_{}, due {}_{}", task.text, optional, task.owner_role, when(task.due_at), Mrkdwn(late))


def _finished_line(task: Task) -> Mrkdwn:
    if task.status is TaskStatus.DONE:
        return md(":white_check_mark: ~{}~", task.text)
    return md(":fast_forward: ~{}~ (skipped: {})", task.text, task.skip_reason or "")


def _buttons(task: Task) -> Block:
    return {
        "type": "actions",
        "block_id": f"task-{task.id}",
        "elements": [
            {
                "type": "button",
                "action_id": ActionId.TASK_DONE,
                "text": plain("Done"),
                "style": "primary",
                "value": str(task.id),
            },
            {"type": "button", "action_id": ActionId.TASK_SKIP, "text": plain("Skip"), "value": str(task.id)},
        ],
    }
