"""A modal's HTML form back into what the person entered, in the shape the emulator's driver takes for it.

Each of a view's elements is one form field named after its block and action ids; what the browser sends for it
(nothing, for an empty multi-select) becomes the value ``SlackEmulator.submit_view`` and ``block_action`` take,
which build Slack's ``state.values`` from it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from multidict import MultiMapping

from emulators.slack.state_values import iter_elements

REQUIRED = "Please complete this required field."
"""What Slack's client says beside an empty required input, without asking the app."""
MULTIPLE = {"checkboxes", "multi_static_select", "multi_external_select", "multi_users_select"}
MULTIPLE |= {"multi_conversations_select", "multi_channels_select"}
STATELESS = {"button", "workflow_button", "overflow", "image", "file_input"}
"""Elements with no entry in state.values the console can fill (a file upload is not offered)."""


def field_name(block_id: str, action_id: str) -> str:
    """The form field of one element: both ids, as Slack's own may hold any character."""
    return json.dumps([block_id, action_id])


def control_id(block_id: str, action_id: str) -> str:
    """The HTML id of an input block's control, for its label."""
    return "in-" + hashlib.sha256(field_name(block_id, action_id).encode()).hexdigest()[:12]


def parse_field_name(name: str) -> tuple[str, str] | None:
    try:
        ids = json.loads(name)
    except json.JSONDecodeError:
        return None
    if isinstance(ids, list) and len(ids) == 2 and all(isinstance(i, str) for i in ids):
        return ids[0], ids[1]
    return None


def element_value(kind: str, sent: list[str]) -> Any:
    """What the browser sent for an element of this ``kind`` as the driver's value: a list for multi-selects
    and checkboxes, else one string (``None`` when empty, as Slack sends ``null``)."""
    chosen = [value for value in sent if isinstance(value, str) and value != ""]
    if kind in MULTIPLE:
        return chosen
    if not chosen:
        return None
    if kind == "datetimepicker":
        return int(datetime.fromisoformat(chosen[0]).replace(tzinfo=UTC).timestamp())
    return chosen[0]


def _stateful(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    return ((b, e) for b, e in iter_elements(blocks) if e.get("type") not in STATELESS)


def entered(blocks: list[dict[str, Any]], form: MultiMapping[Any]) -> dict[str, dict[str, Any]]:
    """Every element the form showed, with what the person left in it."""
    values: dict[str, dict[str, Any]] = {}
    for block, element in _stateful(blocks):
        sent = form.getall(field_name(block["block_id"], element["action_id"]), [])
        values.setdefault(block["block_id"], {})[element["action_id"]] = element_value(element["type"], sent)
    return values


def missing(blocks: list[dict[str, Any]], values: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Required inputs left empty, as Slack's client marks them before anything reaches the app."""
    return {
        block["block_id"]: REQUIRED
        for block, element in _stateful(blocks)
        if block.get("type") == "input"
        and not block.get("optional")
        and values.get(block["block_id"], {}).get(element["action_id"]) in (None, [], "")
    }
