"""Typed access to Web API arguments, which arrive as form strings or as JSON values.

slack_sdk sends some methods form-encoded (everything a string, structures JSON-encoded inside the string)
and others as a JSON body (native types), so every accessor accepts both spellings, as Slack does.
"""

from __future__ import annotations

import json
from typing import Any

from emulators.slack.errors import SlackError, invalid_arguments

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


class Args:
    """The arguments of one call, minus the token."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        """True when the argument is present and not empty (Slack treats "" as absent)."""
        return self.values.get(name) not in (None, "")

    def opt(self, name: str, required: bool = False, error: str | None = None) -> str | None:
        """A string argument; when required and missing, `error` or Slack's generic invalid_arguments."""
        value = self.values.get(name)
        if value in (None, ""):
            if required:
                raise (SlackError(error) if error else invalid_arguments([f"[ERROR] missing required field: {name}"]))
            return None
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)

    def req(self, name: str, error: str | None = None) -> str:
        """A required string argument."""
        value = self.opt(name, required=True, error=error)
        assert value is not None
        return value

    def flag(self, name: str, default: bool | None = False) -> bool | None:
        """A boolean given as true/false/1/0 or a JSON bool."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise invalid_arguments([f"[ERROR] must be a boolean [json-pointer:/{name}]"])

    def integer(self, name: str, default: int) -> int:
        """An integer argument; Slack answers invalid_arguments for junk."""
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments([f"[ERROR] must be an integer [json-pointer:/{name}]"]) from None

    def structured(self, name: str, error: str = "invalid_arguments") -> Any:
        """A structured argument (blocks, view, metadata…), JSON-encoded when sent as a form field."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise SlackError(error) from None
        return value

    def csv(self, name: str) -> list[str]:
        """A comma-separated list (users=U1,U2), also accepting a JSON list."""
        value = self.values.get(name)
        if value in (None, ""):
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]
