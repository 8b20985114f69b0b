"""``vigil action add|update``: an incident's corrective actions (mirrored to Jira when it is configured)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from incidents import actions
from incidents.context import Ctx
from incidents.enums import ActionCategory, ActionPriority, ActionStatus
from incidents.errors import VigilError
from incidents.models import Action
from incidents.people import Names, resolve_person
from incidents.settings import load_settings
from incidents.tracker import tracker_configured
from vigil.cli.database import acting
from vigil.cli.parser import PERSON_HELP, REF_HELP, Definition
from vigil.cli.terminal import printable
from vigil.cli.values import day, one_of, parsed_by, positive


def _facts(action: Action, names: Names) -> dict[str, str]:
    """What a person reads about an action, to say what an update changed."""
    return {
        "title": printable(action.title),
        "status": action.status.value,
        "owner": printable(names.display(action.owner, nobody="nobody")),
        "due": action.due_date.isoformat() if action.due_date else "none",
    }


def _add(ctx: Ctx, a: argparse.Namespace) -> str:
    tracked = tracker_configured(load_settings())
    action = actions.add_action(
        ctx,
        a.ref,
        actor=a.actor,
        title=a.title,
        owner=resolve_person(ctx, a.owner) if a.owner else None,
        due_date=a.due,
        description=a.description,
        priority=a.priority,
        category=a.category,
        tracked=tracked,
    )
    facts = _facts(action, Names.load(ctx, [action.owner]))
    jira = "; queued for Jira" if tracked else ""
    return (
        f"Action #{action.id} added to {action.incident.ref}: {facts['title']} (owner {facts['owner']}, "
        f"due {facts['due']}, {action.priority.value} priority, {action.category.value}){jira}."
    )


def _update(ctx: Ctx, a: argparse.Namespace) -> str:
    if a.title is None and a.status is None and a.owner is None and a.due is None:
        raise VigilError("Say what to change: --title, --status, --owner or --due.")
    action = actions.get_action(ctx, a.id)
    owner = resolve_person(ctx, a.owner) if a.owner is not None else None
    names = Names.load(ctx, [action.owner, owner])
    before = _facts(action, names)
    changes = actions.ActionChanges(title=a.title, status=a.status)
    if owner is not None:
        changes = replace(changes, owner=owner)
    if a.due is not None:
        changes = replace(changes, due_date=a.due)
    actions.update_action(ctx, a.id, changes, actor=a.actor, tracked=tracker_configured(load_settings()))
    after = _facts(action, names)
    changed = "; ".join(f"{what} {before[what]} → {after[what]}" for what in after if after[what] != before[what])
    return f"Action #{action.id} of {action.incident.ref}: {changed or 'nothing changed'}."


def _define_action(p: argparse.ArgumentParser) -> None:
    steps = p.add_subparsers(dest="action_command", required=True, metavar="STEP", title="steps")
    add = steps.add_parser("add", help="add a corrective action to an incident", description="Add a corrective action.")
    add.add_argument("ref", help=REF_HELP)
    add.add_argument("title", help="what will be done")
    add.add_argument("--owner", metavar="PERSON", help=f"who does it: {PERSON_HELP}")
    add.add_argument("--due", type=day, metavar="YYYY-MM-DD", help="when it is due")
    add.add_argument("--description", default="", help="more detail")
    add.add_argument(
        "--priority",
        default=ActionPriority.MEDIUM,
        type=parsed_by(actions.parse_priority),
        help=f"one of {one_of(ActionPriority)} (default medium)",
    )
    add.add_argument(
        "--category",
        default=ActionCategory.PREVENT,
        type=parsed_by(actions.parse_category),
        help=f"one of {one_of(ActionCategory)} (default prevent)",
    )
    add.set_defaults(handler=acting(_add))
    update = steps.add_parser(
        "update", help="change an action's title, status, owner or due date", description="Change an action."
    )
    update.add_argument("id", type=positive, help="the action's number, as `vigil show` lists it")
    update.add_argument("--title", help="a new title")
    update.add_argument("--status", type=parsed_by(_status), help=f"one of {one_of(ActionStatus)}")
    update.add_argument("--owner", metavar="PERSON", help=f"a new owner: {PERSON_HELP}")
    update.add_argument("--due", type=day, metavar="YYYY-MM-DD", help="a new due date")
    update.set_defaults(handler=acting(_update))


def _status(value: str) -> ActionStatus:
    try:
        return ActionStatus(value.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise VigilError(f"Unknown action status {value!r}: use one of {one_of(ActionStatus)}.") from None


DEFINITIONS: dict[str, Definition] = {"action": _define_action}
