"""Field validation for create and edit, with Jira's own error texts.

Errors come back as ``{field: message}`` exactly as Jira puts them in ``errors`` of a 400 body, so client
code that surfaces Jira's reasons to people is tested against the real wording.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from emulators.jira.model import PRIORITIES, Issue, User

if TYPE_CHECKING:
    from emulators.jira.state import JiraState

NOT_SETTABLE = "Field '{0}' cannot be set. It is not on the appropriate screen, or unknown."
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Invalid(Exception):
    """A single field error; raised by the per-field checks and collected by the callers."""


def _summary(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("You must specify a summary of the issue.")
    if "\n" in value or "\r" in value:
        raise Invalid("The summary is invalid because it contains newline characters.")
    if len(value) > 255:
        raise Invalid("Summary must be less than 255 characters.")
    return value


def _description(value: Any, version: str) -> Any:
    if value is None:
        return None
    if version == "3":
        if not (isinstance(value, dict) and value.get("type") == "doc"):
            raise Invalid("Operation value must be an Atlassian Document (see the Atlassian Document Format)")
        return value
    if not isinstance(value, str):
        raise Invalid("Operation value must be a string")
    return value


def _labels(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("data was not an array")
    for label in value:
        _label(label)
    return list(dict.fromkeys(value))


def _label(label: Any) -> str:
    if not isinstance(label, str) or not label:
        raise Invalid("Label cannot be empty.")
    if any(ch.isspace() for ch in label):
        raise Invalid(f"The label '{label}' contains spaces which is invalid.")
    if len(label) > 255:
        raise Invalid(f"The label '{label}' exceeds the 255 character limit.")
    return label


def _priority(value: Any) -> str:
    if not isinstance(value, dict) or not ({"id", "name"} & set(value)):
        raise Invalid("Could not find valid 'id' or 'name' in priority object.")
    if "name" in value:
        if value["name"] not in PRIORITIES:
            raise Invalid(f"Priority name '{value['name']}' is not valid")
        return str(value["name"])
    by_id = {pid: name for name, pid in PRIORITIES.items()}
    if str(value["id"]) not in by_id:
        raise Invalid(f"Could not find priority by id '{value['id']}'.")
    return by_id[str(value["id"])]


def _duedate(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not _DATE.match(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"Error parsing date string: {value}") from None
    return value


def find_user(state: JiraState, ref: Any) -> User | None:
    """Resolve a user reference the way the deployment does: accountId on Cloud, name/key on Server."""
    if not isinstance(ref, dict):
        return None
    for user in state.users.values():
        if state.deployment == "Cloud" and ref.get("accountId") == user.account_id:
            return user
        if state.deployment == "Server" and (ref.get("name") == user.name or ref.get("key") == user.key):
            return user
    return None


def _user(state: JiraState, value: Any, field: str) -> str | None:
    if value is None or (isinstance(value, dict) and value.get("accountId", value.get("name")) == "-1"):
        return None
    user = find_user(state, value)
    if user is not None:
        return user.account_id
    if state.deployment == "Server" and isinstance(value, dict):
        raise Invalid(f"User '{value.get('name', value.get('key'))}' does not exist.")
    raise Invalid(f"Specify a valid value for {field}")


def check_field(state: JiraState, name: str, value: Any, version: str) -> Any:
    """Validate one editable field and return its stored form, or raise :class:`Invalid`."""
    if name == "summary":
        return _summary(value)
    if name == "description":
        return _description(value, version)
    if name == "labels":
        return _labels(value)
    if name == "priority":
        return _priority(value)
    if name in ("assignee", "reporter"):
        return _user(state, value, name)
    if name == "duedate":
        return _duedate(value)
    raise Invalid(NOT_SETTABLE.format(name))


def _project(state: JiraState, value: Any) -> str:
    if not value:
        raise Invalid("project is required")
    for project in state.projects.values():
        if isinstance(value, dict) and (value.get("key") == project.key or str(value.get("id")) == project.id):
            return project.key
    raise Invalid("valid project is required")


def _issue_type(state: JiraState, value: Any, project_key: str | None) -> str:
    if not value:
        raise Invalid("issue type is required")
    by_id = {tid: name for name, tid in state.issue_type_ids.items()}
    name = value.get("name") if isinstance(value, dict) and "name" in value else None
    if name is None and isinstance(value, dict):
        name = by_id.get(str(value.get("id")))
    if name not in state.issue_type_ids:
        raise Invalid("valid issue type is required")
    if project_key is not None and name not in state.projects[project_key].issue_types:
        raise Invalid("The issue type selected is invalid.")
    return str(name)


def validate_create(state: JiraState, fields: dict[str, Any], version: str) -> tuple[dict, dict]:
    """Check a create request's ``fields``; returns (stored values, errors) — errors empty on success."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        values["project"] = _project(state, fields.get("project"))
    except Invalid as exc:
        errors["project"] = str(exc)
    try:
        values["issuetype"] = _issue_type(state, fields.get("issuetype"), values.get("project"))
    except Invalid as exc:
        errors["issuetype"] = str(exc)
    if "summary" not in fields:
        errors["summary"] = "You must specify a summary of the issue."
    for name, value in fields.items():
        if name in ("project", "issuetype"):
            continue
        try:
            values[name] = check_field(state, name, value, version)
        except Invalid as exc:
            errors[name] = str(exc)
    return values, errors


def validate_edit(
    state: JiraState, issue: Issue, body: dict[str, Any], version: str
) -> tuple[dict[str, Any], list[Any], dict[str, str]]:
    """Apply a PUT's ``fields`` and ``update`` operations to copies; returns (new values, comments, errors)."""
    values: dict[str, Any] = {}
    comments: list[Any] = []
    errors: dict[str, str] = {}
    for name, value in (body.get("fields") or {}).items():
        try:
            values[name] = check_field(state, name, value, version)
        except Invalid as exc:
            errors[name] = str(exc)
    for name, ops in (body.get("update") or {}).items():
        try:
            if name == "comment":
                comments.extend(_comment_ops(ops, version))
            elif name == "labels":
                values["labels"] = _label_ops(values.get("labels", issue.labels), ops)
            else:
                for op in ops:
                    if "set" not in op:
                        raise Invalid(f"Unsupported operation on field '{name}': {sorted(op)}")
                    values[name] = check_field(state, name, op["set"], version)
        except Invalid as exc:
            errors[name] = str(exc)
        except (TypeError, AttributeError):
            errors[name] = "data was not an array"
    return values, comments, errors


def _label_ops(current: list[str], ops: Any) -> list[str]:
    labels = list(current)
    for op in ops:
        if "set" in op:
            labels = _labels(op["set"])
        elif "add" in op:
            label = _label(op["add"])
            if label not in labels:
                labels.append(label)
        elif "remove" in op:
            labels = [lbl for lbl in labels if lbl != op["remove"]]
        else:
            raise Invalid(f"Unsupported operation on field 'labels': {sorted(op)}")
    return labels


def _comment_ops(ops: Any, version: str) -> list[Any]:
    bodies = []
    for op in ops:
        body = (op.get("add") or {}).get("body")
        bodies.append(check_comment(body, version))
    return bodies


def check_comment(body: Any, version: str) -> Any:
    """Validate a comment body for the API version (string on v2, ADF on v3)."""
    if body is None or body == "":
        raise Invalid("Comment body can not be empty!")
    return _description(body, version)
