"""views.* — modals (open/push/update) and the App Home tab (publish).

The stack helpers are shared with the interaction driver, which applies an app's response_action
(update/push/clear) to the same stored views.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from emulators.slack.api.registry import Call, method
from emulators.slack.args import Args
from emulators.slack.blockkit import view_problems
from emulators.slack.errors import SlackError, invalid_arguments
from emulators.slack.models import View
from emulators.slack.serialize import view_json
from emulators.slack.state import Workspace
from emulators.slack.state_values import iter_elements, with_ids

MAX_STACK = 3


def new_hash() -> str:
    """A view hash, which changes on every update so stale updates are caught (hash_conflict)."""
    return f"{time.time():.6f}.{secrets.token_hex(4)}"


def checked_view(args: Args) -> dict[str, Any]:
    """The `view` argument, Block Kit-validated the way views.* report problems (invalid_arguments)."""
    view = args.structured("view")
    if view is None:
        raise invalid_arguments(["[ERROR] missing required field: view"])
    problems = view_problems(view)
    if problems:
        raise invalid_arguments(problems)
    return {**view, "blocks": with_ids(view["blocks"])}


def _external_id(ws: Workspace, spec: dict[str, Any], keep: View | None = None) -> str | None:
    """external_id must be unique among the app's views."""
    external_id = spec.get("external_id")
    if external_id and any(v.external_id == external_id and v is not keep for v in ws.views.values()):
        raise SlackError("duplicate_external_id")
    return external_id


def modal_stack(ws: Workspace, user: str) -> list[View]:
    """The user's open modals, root first."""
    return [v for v in ws.views.values() if v.type == "modal" and v.user == user and not v.closed]


def push_view(ws: Workspace, user: str, spec: dict[str, Any], on_top_of: View | None) -> View:
    """Add a modal on top of the user's stack (a new root when `on_top_of` is None)."""
    with ws.lock:
        view_id = ws.new_id("V")
        view = View(
            id=view_id,
            type=spec["type"],
            user=user,
            view=spec,
            hash=new_hash(),
            root_view_id=on_top_of.root_view_id if on_top_of else view_id,
            previous_view_id=on_top_of.id if on_top_of else None,
            external_id=_external_id(ws, spec),
        )
        ws.views[view_id] = view
        return view


def replace_view(ws: Workspace, view: View, spec: dict[str, Any]) -> View:
    """Replace a view's content in place. As Slack does, what the person entered survives in every element that
    keeps its block_id, action_id and type; field errors reset."""
    with ws.lock:
        kept = {(b["block_id"], e["action_id"]): e["type"] for b, e in iter_elements(spec.get("blocks", []))}
        state = {
            block_id: entered
            for block_id, actions in view.state.items()
            if (entered := {a: v for a, v in actions.items() if kept.get((block_id, a)) == v.get("type")})
        }
        view.external_id = _external_id(ws, spec, keep=view) or view.external_id
        view.view, view.hash, view.state, view.errors = spec, new_hash(), state, None
        return view


def close_stack(ws: Workspace, user: str) -> None:
    """Close every open modal of the user (response_action clear, or a new root modal)."""
    with ws.lock:
        for view in modal_stack(ws, user):
            view.closed = True


@method("views.open")
def views_open(call: Call, args: Args) -> dict[str, Any]:
    """Open a modal; requires a fresh, unused trigger_id the emulator issued."""
    spec = checked_view(args)
    if spec["type"] != "modal":
        raise invalid_arguments(["[ERROR] must be modal [json-pointer:/view/type]"])
    user = call.ws.redeem_trigger(args.req("trigger_id", error="invalid_trigger_id"))
    with call.ws.lock:
        close_stack(call.ws, user)
        return {"view": view_json(call.ws, push_view(call.ws, user, spec, None))}


@method("views.push")
def views_push(call: Call, args: Args) -> dict[str, Any]:
    """Push a modal onto the user's open stack (at most 3 deep)."""
    spec = checked_view(args)
    user = call.ws.redeem_trigger(args.req("trigger_id", error="invalid_trigger_id"))
    with call.ws.lock:
        stack = modal_stack(call.ws, user)
        if not stack:
            raise SlackError("not_found")
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        return {"view": view_json(call.ws, push_view(call.ws, user, spec, stack[-1]))}


@method("views.update")
def views_update(call: Call, args: Args) -> dict[str, Any]:
    """Update a view by view_id or external_id; a stale `hash` answers hash_conflict."""
    spec = checked_view(args)
    with call.ws.lock:
        view_id, external_id = args.opt("view_id"), args.opt("external_id")
        if not view_id and not external_id:
            raise invalid_arguments(["[ERROR] missing required field: view_id or external_id"])
        found = [v for v in call.ws.views.values() if v.id == view_id or (external_id and v.external_id == external_id)]
        if not found or found[0].closed:
            raise SlackError("not_found")
        view = found[0]
        if args.has("hash") and args.opt("hash") != view.hash:
            raise SlackError("hash_conflict")
        if spec["type"] != view.type:
            raise invalid_arguments([f"[ERROR] must be {view.type} [json-pointer:/view/type]"])
        return {"view": view_json(call.ws, replace_view(call.ws, view, spec))}


@method("views.publish")
def views_publish(call: Call, args: Args) -> dict[str, Any]:
    """Publish (create or replace) a user's App Home tab."""
    spec = checked_view(args)
    if spec["type"] != "home":
        raise invalid_arguments(["[ERROR] must be home [json-pointer:/view/type]"])
    with call.ws.lock:
        user = call.ws.user(args.req("user_id", error="user_not_found")).id
        homes = [v for v in call.ws.views.values() if v.type == "home" and v.user == user]
        if not homes:
            return {"view": view_json(call.ws, push_view(call.ws, user, spec, None))}
        if args.has("hash") and args.opt("hash") != homes[0].hash:
            raise SlackError("hash_conflict")
        return {"view": view_json(call.ws, replace_view(call.ws, homes[0], spec))}
