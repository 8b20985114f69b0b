"""What the Slack client would send back for interactive elements: generated ids, state.values, actions.

Tests say "the user typed/picked X"; this module turns that into Slack's exact per-element shapes and
refuses inputs the real client would not allow (an option the element doesn't offer, an empty required
input, text outside min/max length), so a test cannot submit something a user never could.
"""

from __future__ import annotations

import copy
import random
import re
import string
import time
from collections.abc import Iterator
from typing import Any

from emulators.slack.elements import element_options

_random = random.SystemRandom()
"""Ids stay unique even when a test seeds the global generator (Hypothesis does, for every example)."""

_TEXTUAL = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_STATELESS = {"button", "overflow", "image", "workflow_button"}
_SINGLE = {"users_select": "selected_user", "conversations_select": "selected_conversation"}
_SINGLE |= {
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
}
_SINGLE |= {"datetimepicker": "selected_date_time"}
_MULTI = {"multi_users_select": "selected_users", "multi_conversations_select": "selected_conversations"}
_MULTI |= {"multi_channels_select": "selected_channels", "file_input": "files"}
_INITIAL = {"selected_user": "initial_user", "selected_conversation": "initial_conversation"}
_INITIAL |= {
    "selected_channel": "initial_channel",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
}
_INITIAL |= {"selected_date_time": "initial_date_time", "selected_users": "initial_users"}
_INITIAL |= {"selected_conversations": "initial_conversations", "selected_channels": "initial_channels"}


def _random_id(length: int) -> str:
    return "".join(_random.choices(string.ascii_letters + string.digits + "+=/", k=length))


def with_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy with Slack's generated block_id / action_id filled in where the app left them out."""
    blocks = copy.deepcopy(blocks)
    for block in blocks:
        block.setdefault("block_id", _random_id(5))
        for element in _elements(block):
            if element.get("type") not in ("image", "plain_text", "mrkdwn"):
                element.setdefault("action_id", _random_id(5))
    return blocks


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = [block.get("element"), block.get("accessory")]
    if block.get("type") == "actions":
        found += block.get("elements") or []
    return [e for e in found if isinstance(e, dict)]


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every interactive element."""
    for block in blocks:
        for element in _elements(block):
            if "action_id" in element:
                yield block, element


def find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The element with this action_id (in this block, if given); ValueError if absent."""
    for block, element in iter_elements(blocks):
        if element["action_id"] == action_id and block_id in (None, block["block_id"]):
            return block, element
    raise ValueError(f"no element with action_id={action_id!r}" + (f" in block {block_id!r}" if block_id else ""))


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    wanted = value.get("value") if isinstance(value, dict) else value
    for option in element_options(element):
        if option.get("value") == wanted:
            return option
    if element["type"].endswith("external_select"):
        if isinstance(value, dict):
            return value
        return {"text": {"type": "plain_text", "text": str(value)}, "value": value}
    raise ValueError(f"{element['action_id']}: {wanted!r} is not one of the offered options")


def _check_text(element: dict[str, Any], value: str) -> None:
    kind = element["type"]
    if kind == "plain_text_input" and not element.get("min_length", 0) <= len(value) <= element.get("max_length", 3000):
        raise ValueError(f"{element['action_id']}: length {len(value)} outside min_length/max_length")
    if kind == "number_input":
        pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{element['action_id']}: {value!r} is not an accepted number")
        low, high = float(element.get("min_value", value)), float(element.get("max_value", value))
        if not low <= float(value) <= high:
            raise ValueError(f"{element['action_id']}: {value} outside min_value/max_value")


def element_state(element: dict[str, Any], value: Any, given: bool) -> dict[str, Any]:
    """Slack's state entry for one element: given value, else its initial value, else empty."""
    kind = element["type"]
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXTUAL:
        text = value if given else element.get("initial_value")
        if text is not None:
            _check_text(element, str(text))
        state["value"] = None if text is None else str(text)
    elif kind in {"static_select", "external_select", "radio_buttons"}:
        initial = element.get("initial_option")
        state["selected_option"] = (_option(element, value) if value is not None else None) if given else initial
    elif kind in {"multi_static_select", "multi_external_select", "checkboxes"}:
        chosen = [_option(element, v) for v in value or []] if given else element.get("initial_options", [])
        state["selected_options"] = chosen
    elif kind in _SINGLE:
        state[_SINGLE[kind]] = value if given else element.get(_INITIAL[_SINGLE[kind]])
    elif kind in _MULTI:
        state[_MULTI[kind]] = list(value or []) if given else element.get(_INITIAL.get(_MULTI[kind], ""), [])
    elif kind == "rich_text_input":
        if given and isinstance(value, str):
            section = {"type": "rich_text_section", "elements": [{"type": "text", "text": value}]}
            value = {"type": "rich_text", "elements": [section]}
        state["rich_text_value"] = value if given else element.get("initial_value")
    return state


def _is_empty(state: dict[str, Any]) -> bool:
    return all(v in (None, [], "") for k, v in state.items() if k != "type")


def state_values(blocks: list[dict[str, Any]], values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """state.values for a submission: every stateful element, with the test's `values` applied."""
    known = {(b["block_id"], e["action_id"]) for b, e in iter_elements(blocks)}
    for block_id, actions in values.items():
        for action_id in actions:
            if (block_id, action_id) not in known:
                raise ValueError(f"the view has no element {block_id}/{action_id}")
    result: dict[str, dict[str, Any]] = {}
    for block, element in iter_elements(blocks):
        if element["type"] in _STATELESS:
            continue
        given = values.get(block["block_id"], {})
        state = element_state(element, given.get(element["action_id"]), element["action_id"] in given)
        if block["type"] == "input" and not block.get("optional") and _is_empty(state):
            raise ValueError(f"input block {block['block_id']!r} is required")
        result.setdefault(block["block_id"], {})[element["action_id"]] = state
    return result


def action_payload(block: dict[str, Any], element: dict[str, Any], value: Any) -> dict[str, Any]:
    """One entry of block_actions.actions for the user operating this element."""
    kind = element["type"]
    action: dict[str, Any] = {"action_id": element["action_id"], "block_id": block["block_id"]}
    if kind in {"button", "workflow_button"}:
        action.update(type=kind, text=element["text"])
        action.update({k: element[k] for k in ("value", "style", "url") if k in element})
    elif kind == "overflow":
        action.update(type=kind, selected_option=_option(element, value))
    else:
        action.update(element_state(element, value, given=True))
    action["action_ts"] = f"{time.time():.6f}"
    return action
