"""Applying an app's answer to a view_submission, as the Slack client would.

Empty ack closes the submitted view; `errors` keeps it open with field errors (recorded on the View);
`update` replaces it, `push` stacks a new one and `clear` closes the whole stack. An answer Slack would
refuse is not applied and is listed in Ack.problems instead.
"""

from __future__ import annotations

from typing import Any

from emulators.slack.api.views import MAX_STACK, close_stack, modal_stack, push_view, replace_view
from emulators.slack.blockkit import view_problems
from emulators.slack.errors import SlackError
from emulators.slack.models import Ack, View
from emulators.slack.state import Workspace
from emulators.slack.state_values import with_ids


def _checked(ack: Ack, spec: Any) -> dict[str, Any] | None:
    problems = view_problems(spec)
    if problems:
        ack.problems += problems
        return None
    return {**spec, "blocks": with_ids(spec["blocks"])}


def _input_block_ids(view: View) -> set[str]:
    return {b["block_id"] for b in view.view.get("blocks", []) if b.get("type") == "input"}


def apply_response_action(ws: Workspace, view: View, ack: Ack) -> None:
    """Mutate the stored views according to the ack payload of a view_submission."""
    payload = ack.payload or {}
    action = payload.get("response_action")
    with ws.lock:
        if action is None:
            view.closed = True
        elif action == "errors":
            errors = payload.get("errors")
            unknown = set(errors or {}) - _input_block_ids(view) if isinstance(errors, dict) else {"<not an object>"}
            if not errors or unknown:
                ack.problems.append(f"response_action=errors must name input block_ids; unknown: {sorted(unknown)}")
            view.errors = errors if isinstance(errors, dict) else None
        elif action == "update":
            spec = _checked(ack, payload.get("view"))
            if spec is not None:
                replace_view(ws, view, spec)
        elif action == "push":
            spec = _checked(ack, payload.get("view"))
            if spec is not None and len(modal_stack(ws, view.user)) >= MAX_STACK:
                ack.problems.append("push_limit_reached")
            elif spec is not None:
                try:
                    push_view(ws, view.user, spec, view)
                except SlackError as error:
                    ack.problems.append(error.error)
        elif action == "clear":
            close_stack(ws, view.user)
        else:
            ack.problems.append(f"unknown response_action: {action}")
