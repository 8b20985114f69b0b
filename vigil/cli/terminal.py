"""Text for the terminal.

Everything the CLI prints that people or other systems wrote (titles, notes, names, references, a Jira key...)
passes through :func:`printable` first: a title must not be able to move the cursor, rewrite the screen, set the
window title, hide a hyperlink or reverse the text around it. (Light on purpose: the error path of every command,
``vigil --help`` included, uses it.)
"""

from __future__ import annotations

import re
import sys
from datetime import datetime

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]"  # CSI: cursor movement, colours, erase...
    r"|[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC: titles, hyperlinks...
    r"|[ -/]*[0-~])?"  # two-character and character-set sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI in its 8-bit form
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS... in their 8-bit forms
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls but tab and newline, DEL, and the bidirectional marks, embeddings, overrides and isolates."""


def printable(text: object, *, multiline: bool = False) -> str:
    """``text`` safe to print on a terminal: escape sequences and control characters removed. Tabs and line
    breaks are kept only where the layout has room for them (``multiline``); elsewhere they become spaces."""
    cleaned = _ESCAPE_SEQUENCE.sub("", str(text))
    if not multiline:
        cleaned = cleaned.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("", cleaned)


def one_line(text: str) -> str:
    return " ".join(printable(text).split())


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


_noticed: set[str] = set()
"""What this command has said on standard error already (:func:`notice`)."""


def notice(line: str) -> None:
    """Say ``line`` on standard error, once per command however many of the command's steps come upon it."""
    if line not in _noticed:
        _noticed.add(line)
        print(f"vigil: {line}", file=sys.stderr)


def new_command() -> None:
    """Forget what was said: a new command is starting (several run in one process in the tests)."""
    _noticed.clear()
