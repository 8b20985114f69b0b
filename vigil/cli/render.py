"""Plain-text views of incidents for the terminal; what people wrote passes through
:func:`~vigil.cli.terminal.printable`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from incidents.clocks.standing import clock_standing
from incidents.models import Clock, Incident
from incidents.people import Names
from incidents.policy import Policy
from incidents.reported_by import with_reporter
from incidents.scheduling.plan import next_update_due
from vigil.cli.terminal import one_line, printable, when


def incident_row(incident: Incident, names: Names) -> str:
    return (
        f"{incident.ref}  {incident.severity.value}  {incident.status.value:<13} {incident.tier.value:<17} "
        f"{printable(names.display(incident.commander, nobody='-')):<14} {printable(incident.title)}"
    )


def incident_detail(
    incident: Incident, now: datetime, names: Names, *, sensitive: bool = True, parties: bool = False
) -> str:
    """``names`` names everyone the incident mentions (:meth:`Names.of_incident`); ``sensitive``: whether the
    reader may see the entries marked sensitive (shown with ``[CW]``), else each is shown as withheld; ``parties``:
    whether the reader may see the case's parties, and so who reported an entry (:mod:`incidents.reported_by`)."""
    lines = [
        f"{incident.ref}: {printable(incident.title)}",
        f"  severity {incident.severity.value} · status {incident.status.value} · tier {incident.tier.value}"
        f" · region {printable(incident.region or '-')} · types {', '.join(incident.type_names)}",
        f"  declared {when(incident.declared_at)} by {printable(names.display(incident.declared_by))}"
        f" · detected {when(incident.detected_at)} · resolved {when(incident.resolved_at)}",
    ]
    if incident.summary:
        lines.append(f"  summary: {printable(incident.summary, multiline=True)}")
    lines.append("Roles:")
    for role in incident.roles:
        span = f"{when(role.assigned_at)} → {when(role.relieved_at) if role.relieved_at else 'now'}"
        lines.append(f"  {role.role:<14} {printable(names.display(role.person)):<16} {span}")
    lines.append("Clocks:")
    for clock in incident.clocks or []:
        standing = clock_standing(clock, now)
        state = standing.state.value.upper() if standing.late else standing.state.value
        if standing.settled:
            state += f" {when(clock.satisfied_at)} ref {printable(clock.reference_id)}"
        lines.append(f"  #{clock.id} {clock.regime:<24} due {when(clock.due_at)}  {state}")
    if not incident.clocks:
        lines.append("  (none)")
    lines.append("Actions:")
    for action in incident.actions:
        due = action.due_date.isoformat() if action.due_date else "-"
        tracker = f" [{printable(action.tracker_key)}]" if action.tracker_key else ""
        owner = printable(names.display(action.owner, nobody="-"))
        lines.append(f"  #{action.id} {action.status.value:<11} due {due} {owner}: {printable(action.title)}{tracker}")
    if not incident.actions:
        lines.append("  (none)")
    lines.append("Timeline:")
    for entry in incident.timeline:
        flag = " [CW]" if entry.sensitive else ""
        shown = with_reporter(names.text(entry.text, entry.data), entry.data, named=parties)
        text = one_line(shown) if sensitive or not entry.sensitive else "(withheld)"
        lines.append(
            f"  {when(entry.at)}  {entry.kind.value:<9} {printable(names.display(entry.author))}:{flag} {text}"
        )
    return "\n".join(lines)


def clocks_started(clocks: Sequence[Clock]) -> str:
    """The clocks a change started, with their deadlines: the first thing a commander must plan around."""
    if not clocks:
        return "No clocks started."
    started = "; ".join(f"#{c.id} {c.regime} ({printable(c.name)}) due {when(c.due_at)}" for c in clocks)
    return f"Clocks started: {started}."


def next_update(incident: Incident, policy: Policy) -> str:
    due = next_update_due(incident, policy)
    if due is not None:
        return f"Next update due {when(due)}."
    if incident.status.is_open:
        return f"No regular updates are due at {incident.severity.value}."
    return "No more updates are due."
