"""Block Kit's interactive elements as HTML form controls a person can use, named for the console's forms.

A control shows what is chosen now (Slack's state for the element, else its initial value); one with
``dispatch`` sends its pick at once (the console's script submits its form on change), as Slack does for elements
outside input blocks and for inputs with ``dispatch_action``.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from emulators.slack.console.mrkdwn import Directory, plain_html, text_html, text_plain
from emulators.slack.elements import element_options
from emulators.slack.state_values import element_state

Element = dict[str, Any]
_SELECT_SOURCES = {"users": "users", "conversations": "channels", "channels": "channels"}


def attributes(**given: str | bool | int | None) -> str:
    """`` name="value"`` pairs, escaped; True is a bare attribute, False and None leave it out; ``data_x``
    becomes ``data-x``."""
    out = []
    for key, value in given.items():
        name = key.rstrip("_").replace("_", "-")
        if value is True:
            out.append(f" {name}")
        elif value is not None and value is not False:
            out.append(f' {name}="{html.escape(str(value))}"')
    return "".join(out)


def hidden(**fields: str) -> str:
    """Hidden form fields: what a form carries besides what the person enters."""
    return "".join(f"<input{attributes(type='hidden', name=k, value=v)}>" for k, v in fields.items())


def chosen(element: Element, entry: dict[str, Any] | None) -> list[str]:
    """What the element holds: the person's entry in the view's state, else the element's initial value."""
    try:
        state = entry if entry is not None else element_state(element, None, given=False)
    except ValueError:  # an initial value the element's own limits refuse: shown empty
        return []
    found: list[str] = []
    for key, value in state.items():
        if key == "rich_text_value" and isinstance(value, dict):
            found.append(_rich_text(value))
        elif key != "type" and value is not None:
            for item in value if isinstance(value, list) else [value]:
                found.append(str(item.get("value", "")) if isinstance(item, dict) else str(item))
    return found


def _rich_text(value: dict[str, Any]) -> str:
    return "".join(_rich_text(e) if "elements" in e else str(e.get("text", "")) for e in value.get("elements", []))


def button(element: Element, name: str, action: str, *, in_form: bool, disabled: str = "") -> str:
    """A button that sends its click under ``name=action``; a link button also opens its address, as Slack's
    does. Outside input blocks a modal's buttons skip the browser's required-field checks."""
    label = text_html(element.get("text"), Directory()) or "Button"
    confirm = element.get("confirm")
    asked = text_plain(confirm.get("text"), Directory()) if isinstance(confirm, dict) else None
    look = f"btn {element.get('style', '')}".strip()
    control = (
        f"<button{attributes(type='submit', name=name, value=action, class_=look, data_confirm=asked)}"
        f"{attributes(formnovalidate=in_form, disabled=bool(disabled), title=disabled or None)}>{label}</button>"
    )
    url = element.get("url")
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        control += f" <a{attributes(href=url, target='_blank', rel='noopener noreferrer')}>open link ↗</a>"
    return control


def widget(
    element: Element,
    name: str,
    current: list[str],
    directory: Directory,
    *,
    dispatch: bool = False,
    required: bool = False,
    disabled: str = "",
    id_: str | None = None,
) -> str:
    """The control for a stateful element (or an overflow menu), named ``name``, showing ``current``; ``id_``
    for its label."""
    kind = str(element.get("type", ""))
    common: dict[str, str | bool | None] = {
        "id": id_,
        "name": name,
        "required": required,
        "disabled": bool(disabled),
        "data_dispatch": dispatch,
    }
    placeholder = text_plain(element.get("placeholder"), directory) or None
    value = current[0] if current else ""
    if kind in {"plain_text_input", "rich_text_input"} and (element.get("multiline") or kind == "rich_text_input"):
        limits = {"minlength": element.get("min_length"), "maxlength": element.get("max_length")}
        shown = html.escape(value)
        return f"<textarea{attributes(rows=3, placeholder=placeholder, **common, **limits)}>{shown}</textarea>"
    if kind in _INPUT_TYPES:
        extra = _input_extras(element, kind)
        shown = _datetime_local(value) if kind == "datetimepicker" else value
        return f"<input{attributes(type=_INPUT_TYPES[kind], value=shown, placeholder=placeholder, **common, **extra)}>"
    if kind in {"checkboxes", "radio_buttons"}:
        return _choices(element, kind, current, directory, common)
    if kind.endswith("_select") or kind == "overflow":
        return _select(element, kind, current, directory, common, placeholder)
    return f"<em>{html.escape(f'({kind} is not available in the console)')}</em>"


_INPUT_TYPES = {
    "plain_text_input": "text",
    "email_text_input": "email",
    "url_text_input": "url",
    "number_input": "number",
    "datepicker": "date",
    "timepicker": "time",
    "datetimepicker": "datetime-local",
}


def _input_extras(element: Element, kind: str) -> dict[str, str | int | None]:
    if kind == "plain_text_input":
        return {"minlength": element.get("min_length"), "maxlength": element.get("max_length")}
    if kind == "number_input":
        step = "any" if element.get("is_decimal_allowed") else "1"
        return {"step": step, "min": element.get("min_value"), "max": element.get("max_value")}
    return {}


def _datetime_local(epoch: str) -> str:
    try:
        return f"{datetime.fromtimestamp(int(epoch), UTC):%Y-%m-%dT%H:%M}"
    except (ValueError, OverflowError, OSError):
        return ""


def _choices(element: Element, kind: str, current: list[str], directory: Directory, common: dict[str, Any]) -> str:
    box = "checkbox" if kind == "checkboxes" else "radio"
    common = {**common, "id": None}  # the group has the label; each box is labelled by its option
    if box == "checkbox":
        common["required"] = False  # "at least one" is checked on submit, as Slack's client does
    rows = []
    for option in element_options(element):
        value = str(option.get("value", ""))
        described = text_html(option.get("description"), directory)
        rows.append(
            f"<label><input{attributes(type=box, value=value, checked=value in current, **common)}> "
            f"{text_html(option.get('text'), directory)}{f' <small>{described}</small>' if described else ''}</label>"
        )
    return f'<div class="choices">{"".join(rows)}</div>'


def _select(
    element: Element,
    kind: str,
    current: list[str],
    directory: Directory,
    common: dict[str, Any],
    placeholder: str | None,
) -> str:
    multiple = kind.startswith("multi_")
    source = kind.removeprefix("multi_").removesuffix("_select")
    if source in _SELECT_SOURCES:
        names = directory.humans() if source == "users" else directory.channels
        prefix = "" if source == "users" else "#"
        choices = [(key, f"{prefix}{label}") for key, label in names.items()]
        options = "".join(_option(key, label, key in current) for key, label in choices)
    elif source == "external" and not element_options(element):
        return f"<input{attributes(type='text', value=current[0] if current else '', **common)}>"
    else:
        options = _static_options(element, current, directory)
    size = min(6, options.count("<option")) if multiple else None
    blank = "" if multiple else _option("", placeholder or ("⋯" if kind == "overflow" else "Choose…"), not current)
    return f"<select{attributes(multiple=multiple, size=size, **common)}>{blank}{options}</select>"


def _static_options(element: Element, current: list[str], directory: Directory) -> str:
    def rendered(options: list[Element]) -> str:
        return "".join(
            _option(str(o.get("value", "")), text_plain(o.get("text"), directory), str(o.get("value")) in current)
            for o in options
            if isinstance(o, dict)
        )

    groups = element.get("option_groups")
    if not groups:
        return rendered(element.get("options") or [])
    return "".join(
        f"<optgroup{attributes(label=text_plain(g.get('label'), directory))}>{rendered(g.get('options') or [])}"
        "</optgroup>"
        for g in groups
        if isinstance(g, dict)
    )


def _option(value: str, label: str, selected: bool) -> str:
    return f"<option{attributes(value=value, selected=selected)}>{plain_html(label)}</option>"
