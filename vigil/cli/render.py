"""Plain-text views of incidents for the terminal.

Everything the CLI prints that people or other systems wrote (titles, notes, names, references, a Jira key...)
passes through :func:`printable` first: a title must not be able to move the cursor, rewrite the screen, set the
window title, hide a hyperlink or reverse the text around it.
"""

from __future__ import annotations

import re
from datetime import datetime

from incidents.models import Incident

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


def incident_row(incident: Incident) -> str:
    return (
        f"{incident.ref}  {incident.severity.value}  {incident.status.value:<13} {incident.tier.value:<17} "
        f"{printable(incident.commander or '-'):<14} {printable(incident.title)}"
    )


def incident_detail(incident: Incident, now: datetime) -> str:
    lines = [
        f"{incident.ref}: {printable(incident.title)}",
        f"  severity {incident.severity.value} · status {incident.status.value} · tier {incident.tier.value}"
        f" · region {printable(incident.region or '-')} · types {', '.join(incident.type_names)}",
        f"  declared {when(incident.declared_at)} by {printable(incident.declared_by)}"
        f" · detected {when(incident.detected_at)} · resolved {when(incident.resolved_at)}",
    ]
    if incident.summary:
        lines.append(f"  summary: {printable(incident.summary, multiline=True)}")
    lines.append("Roles:")
    for role in incident.roles:
        span = f"{when(role.assigned_at)} → {when(role.relieved_at) if role.relieved_at else 'now'}"
        lines.append(f"  {role.role:<14} {printable(role.person):<16} {span}")
    lines.append("Clocks:")
    for clock in incident.clocks or []:
        if clock.satisfied_at is not None:
            state = f"{'met' if clock.met else 'MISSED'} {when(clock.satisfied_at)} ref {printable(clock.reference_id)}"
        else:
            state = "OVERDUE" if clock.is_overdue(now) else "running"
        lines.append(f"  #{clock.id} {clock.regime:<24} due {when(clock.due_at)}  {state}")
    if not incident.clocks:
        lines.append("  (none)")
    lines.append("Actions:")
    for action in incident.actions:
        due = action.due_date.isoformat() if action.due_date else "-"
        tracker = f" [{printable(action.tracker_key)}]" if action.tracker_key else ""
        owner = printable(action.owner or "-")
        lines.append(f"  #{action.id} {action.status.value:<11} due {due} {owner}: {printable(action.title)}{tracker}")
    if not incident.actions:
        lines.append("  (none)")
    lines.append("Timeline:")
    for entry in incident.timeline:
        flag = " [CW]" if entry.sensitive else ""
        lines.append(
            f"  {when(entry.at)}  {entry.kind.value:<9} {printable(entry.author)}:{flag} {one_line(entry.text)}"
        )
    return "\n".join(lines)
