"""Block Kit composition objects and interactive elements, checked the way Slack's schema checks them.

Problems are reported as Slack words them: "[ERROR] <what> [json-pointer:<where>]". Unknown properties are
refused like Slack does, so a typo in a block is caught here rather than in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SELECTS = {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
MULTI_SELECTS = {f"multi_{name}" for name in SELECTS}
_CHOICE = {"checkboxes", "radio_buttons"}
_PICKERS = {"datepicker", "timepicker", "datetimepicker"}
SECTION_ACCESSORIES = {"button", "image", "overflow", "workflow_button", "datepicker", "timepicker"}
SECTION_ACCESSORIES |= SELECTS | MULTI_SELECTS | _CHOICE
ACTIONS_ELEMENTS = (SECTION_ACCESSORIES - {"image"}) | {"datetimepicker"}
INPUT_ELEMENTS = SELECTS | MULTI_SELECTS | _CHOICE | _PICKERS
INPUT_ELEMENTS |= {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
INPUT_ELEMENTS |= {"rich_text_input", "file_input"}

_COMMON = {"type", "action_id", "confirm", "focus_on_load", "placeholder"}
_SELECT_FIELDS = {"options", "option_groups", "initial_option", "min_query_length"}
_SELECT_FIELDS |= {"initial_user", "initial_conversation", "initial_channel", "filter"}
_SELECT_FIELDS |= {"default_to_current_conversation", "response_url_enabled"}
_FIELDS: dict[str, set[str]] = {
    "button": {"type", "text", "action_id", "url", "value", "style", "confirm", "accessibility_label"},
    "image": {"type", "image_url", "slack_file", "alt_text"},
    "overflow": {"type", "action_id", "options", "confirm"},
    "workflow_button": {"type", "text", "workflow", "style", "accessibility_label"},
    "checkboxes": {"type", "action_id", "options", "initial_options", "confirm", "focus_on_load"},
    "radio_buttons": {"type", "action_id", "options", "initial_option", "confirm", "focus_on_load"},
    "datepicker": _COMMON | {"initial_date"},
    "timepicker": _COMMON | {"initial_time", "timezone"},
    "datetimepicker": {"type", "action_id", "initial_date_time", "confirm", "focus_on_load"},
    "plain_text_input": _COMMON - {"confirm"}
    | {"initial_value", "multiline", "min_length", "max_length", "dispatch_action_config"},
    "email_text_input": _COMMON - {"confirm"} | {"initial_value", "dispatch_action_config"},
    "url_text_input": _COMMON - {"confirm"} | {"initial_value", "dispatch_action_config"},
    "number_input": _COMMON - {"confirm"}
    | {"is_decimal_allowed", "initial_value", "min_value", "max_value", "dispatch_action_config"},
    "rich_text_input": _COMMON - {"confirm"} | {"initial_value", "dispatch_action_config"},
    "file_input": {"type", "action_id", "filetypes", "max_files"},
}
for _name in SELECTS:
    _FIELDS[_name] = _COMMON | _SELECT_FIELDS
for _name in MULTI_SELECTS:
    _FIELDS[_name] = _COMMON | _SELECT_FIELDS | {"initial_options", "max_selected_items"}
    _FIELDS[_name] |= {"initial_users", "initial_conversations", "initial_channels"}
_MAX_OPTIONS = {"overflow": 5, "checkboxes": 10, "radio_buttons": 10}


@dataclass
class Problems:
    """Accumulates Slack-style validation messages for one request."""

    messages: list[str]

    def add(self, what: str, path: str) -> None:
        """Record one problem at a JSON pointer."""
        self.messages.append(f"[ERROR] {what} [json-pointer:{path}]")

    def length(self, value: Any, path: str, maximum: int, minimum: int = 1) -> None:
        """A string field with Slack's length limits."""
        if not isinstance(value, str):
            self.add("must be a string", path)
        elif len(value) < minimum:
            self.add(f"must be more than {minimum - 1} characters", path)
        elif len(value) > maximum:
            self.add(f"must be less than {maximum + 1} characters", path)

    def props(self, obj: dict[str, Any], allowed: set[str], path: str) -> None:
        """Refuse properties the schema does not define."""
        for key in obj:
            if key not in allowed:
                self.add(f"invalid additional property: {key}", f"{path}/{key}")

    def obj(self, value: Any, path: str) -> bool:
        """True when value is a JSON object; otherwise record the problem."""
        if not isinstance(value, dict):
            self.add("must provide an object", path)
            return False
        return True


def check_text(p: Problems, text: Any, path: str, maximum: int, plain_only: bool = False) -> None:
    """A text object: plain_text (with emoji) or mrkdwn (with verbatim), non-empty and within `maximum`."""
    if not p.obj(text, path):
        return
    kind = text.get("type")
    if kind not in ({"plain_text"} if plain_only else {"plain_text", "mrkdwn"}):
        p.add("must be a valid enum value", f"{path}/type")
        return
    p.props(text, {"type", "text", "emoji"} if kind == "plain_text" else {"type", "text", "verbatim"}, path)
    if "text" not in text:
        p.add("missing required field: text", path)
    else:
        p.length(text["text"], f"{path}/text", maximum)


def check_confirm(p: Problems, confirm: Any, path: str) -> None:
    """A confirmation dialog object; all four texts are required."""
    if not p.obj(confirm, path):
        return
    p.props(confirm, {"title", "text", "confirm", "deny", "style"}, path)
    for key, maximum, plain in (
        ("title", 100, True),
        ("text", 300, False),
        ("confirm", 30, True),
        ("deny", 30, True),
    ):
        if key not in confirm:
            p.add(f"missing required field: {key}", path)
        else:
            check_text(p, confirm[key], f"{path}/{key}", maximum, plain_only=plain)


def check_option(p: Problems, option: Any, path: str, allow_mrkdwn: bool, allow_url: bool) -> None:
    """An option object of a select, overflow, checkbox group or radio group."""
    if not p.obj(option, path):
        return
    p.props(option, {"text", "value", "description"} | ({"url"} if allow_url else set()), path)
    for key in ("text", "value"):
        if key not in option:
            p.add(f"missing required field: {key}", path)
    if "text" in option:
        check_text(p, option["text"], f"{path}/text", 75, plain_only=not allow_mrkdwn)
    if "value" in option:
        p.length(option["value"], f"{path}/value", 150)
    if "description" in option:
        check_text(p, option["description"], f"{path}/description", 75, plain_only=not allow_mrkdwn)
    if "url" in option:
        p.length(option["url"], f"{path}/url", 3000)


def element_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    """Every option an element offers, flattening option_groups (also used to resolve submitted values)."""
    options = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options += [o for o in group.get("options") or [] if isinstance(o, dict)]
    return options


def _check_options(p: Problems, element: dict[str, Any], kind: str, path: str) -> None:
    """options / option_groups / initial_option(s) of the option-bearing elements."""
    limit = _MAX_OPTIONS.get(kind, 100)
    rich = kind in _CHOICE
    if "options" in element and "option_groups" in element:
        p.add("must provide either options or option_groups, not both", path)
    needs_options = kind in _MAX_OPTIONS or kind in {"static_select", "multi_static_select"}
    if needs_options and "options" not in element and "option_groups" not in element:
        p.add("missing required field: options", path)
    for key in ("options", "option_groups"):
        items = element.get(key)
        if items is None:
            continue
        if not isinstance(items, list) or not items:
            p.add("must provide at least 1 item", f"{path}/{key}")
            continue
        if len(items) > limit:
            p.add(f"no more than {limit} items allowed", f"{path}/{key}")
        for i, item in enumerate(items):
            if key == "options":
                check_option(p, item, f"{path}/options/{i}", rich, allow_url=kind == "overflow")
            elif p.obj(item, f"{path}/option_groups/{i}"):
                p.props(item, {"label", "options"}, f"{path}/option_groups/{i}")
                check_text(p, item.get("label"), f"{path}/option_groups/{i}/label", 75, plain_only=True)
                if not isinstance(item.get("options"), list) or not item["options"]:
                    p.add("must provide at least 1 item", f"{path}/option_groups/{i}/options")
                    continue
                for j, option in enumerate(item["options"]):
                    check_option(p, option, f"{path}/option_groups/{i}/options/{j}", False, False)
    if "options" not in element and "option_groups" not in element:
        return
    offered = [(o.get("value"), o.get("text")) for o in element_options(element)]
    single = "initial_option" in element
    initial = [element["initial_option"]] if single else element.get("initial_options", [])
    for i, option in enumerate(initial if isinstance(initial, list) else [None]):
        if not isinstance(option, dict) or (option.get("value"), option.get("text")) not in offered:
            where = "initial_option" if single else f"initial_options/{i}"
            p.add("must match one of the provided options", f"{path}/{where}")


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def check_element(p: Problems, element: Any, path: str, allowed: set[str]) -> None:
    """One block element, which must be of a type the containing block accepts."""
    if not p.obj(element, path):
        return
    kind = element.get("type")
    if kind not in allowed:
        p.add(f"unsupported type: {kind}" if kind else "missing required field: type", f"{path}/type")
        return
    p.props(element, _FIELDS[kind], path)
    if "action_id" in element:
        p.length(element["action_id"], f"{path}/action_id", 255)
    if "placeholder" in element:
        check_text(p, element["placeholder"], f"{path}/placeholder", 150, plain_only=True)
    if "confirm" in element:
        check_confirm(p, element["confirm"], f"{path}/confirm")
    if kind in {"button", "workflow_button"}:
        if "text" not in element:
            p.add("missing required field: text", path)
        else:
            check_text(p, element["text"], f"{path}/text", 75, plain_only=True)
        if element.get("style") not in (None, "primary", "danger"):
            p.add("must be a valid enum value", f"{path}/style")
        for key, maximum in (("url", 3000), ("value", 2000), ("accessibility_label", 75)):
            if key in element:
                p.length(element[key], f"{path}/{key}", maximum)
        if kind == "workflow_button" and "workflow" not in element:
            p.add("missing required field: workflow", path)
    elif kind == "image":
        check_image_source(p, element, path)
    elif kind in SELECTS | MULTI_SELECTS | _CHOICE | {"overflow"}:
        _check_options(p, element, kind, path)
        if "max_selected_items" in element and (
            not isinstance(element["max_selected_items"], int) or element["max_selected_items"] < 1
        ):
            p.add("must be greater than or equal to 1", f"{path}/max_selected_items")
    elif kind == "datepicker" and "initial_date" in element and not _DATE.match(str(element["initial_date"])):
        p.add("must be a valid date (YYYY-MM-DD)", f"{path}/initial_date")
    elif kind == "timepicker" and "initial_time" in element and not _TIME.match(str(element["initial_time"])):
        p.add("must be a valid time (HH:mm)", f"{path}/initial_time")
    elif kind == "number_input" and not isinstance(element.get("is_decimal_allowed"), bool):
        p.add("missing required field: is_decimal_allowed", path)
    elif kind == "plain_text_input":
        _check_text_input(p, element, path)


def _check_text_input(p: Problems, element: dict[str, Any], path: str) -> None:
    """plain_text_input length bounds (0..3000) and an initial_value that fits them."""
    for key, low in (("min_length", 0), ("max_length", 1)):
        value = element.get(key)
        if value is not None and (not isinstance(value, int) or not low <= value <= 3000):
            p.add(f"must be between {low} and 3000", f"{path}/{key}")
    if "initial_value" in element:
        p.length(element["initial_value"], f"{path}/initial_value", 3000, minimum=0)


def check_image_source(p: Problems, image: dict[str, Any], path: str) -> None:
    """Images need alt_text and exactly one of image_url / slack_file."""
    if "alt_text" not in image:
        p.add("missing required field: alt_text", path)
    else:
        p.length(image["alt_text"], f"{path}/alt_text", 2000)
    if ("image_url" in image) == ("slack_file" in image):
        p.add("must provide exactly one of image_url or slack_file", path)
    elif "image_url" in image:
        p.length(image["image_url"], f"{path}/image_url", 3000)
