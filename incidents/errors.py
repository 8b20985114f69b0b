"""One error family for everything the domain refuses. Messages are written for the person who asked."""

import re
from collections.abc import Callable


class VigilError(Exception):
    """An operation was refused; nothing was written.

    ``message`` is fit to show a user as is; ``field`` names the input at fault when there is one, so a form
    can put the message beside it; ``people`` are the keys of the people the message names by key, so a chat
    shows them by name.
    """

    def __init__(self, message: str, *, field: str | None = None, people: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.people = people

    def naming(self, text: str, show: Callable[[str], str]) -> str:
        """``text`` (the message, or the message made ready for its reader) with each person it names by key
        shown by ``show``."""
        for key in self.people:
            text = re.sub(rf"\b{re.escape(key)}\b", lambda _found: show(key), text)  # noqa: B023 (used at once)
        return text


class NotFound(VigilError):
    """The incident, action, clock or handoff asked for does not exist (or is not visible to the asker)."""


class ConfigError(VigilError):
    """Configuration or policy failed validation at start; the message names the file and the field."""


class Conflict(VigilError):
    """Another writer changed the same incident at the same moment; nothing was written and trying again
    (with the new state) is safe."""


class Forbidden(VigilError):
    """The asker may not do this (e.g. is not a member of the incident); asking again will not help."""
