"""Plain-text views of incidents for the terminal."""

from __future__ import annotations

from datetime import datetime

from incidents.models import Incident


def one_line(text: str) -> str:
    return " ".join(text.split())


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


def incident_row(incident: Incident) -> str:
    return (
        f"{incident.ref}  {incident.severity.value}  {incident.status.value:<13} {incident.tier.value:<17} "
        f"{incident.commander or '-':<14} {incident.title}"
    )


def incident_detail(incident: Incident, now: datetime) -> str:
    lines = [
        f"{incident.ref}: {incident.title}",
        f"  severity {incident.severity.value} · status {incident.status.value} · tier {incident.tier.value}"
        f" · region {incident.region or '-'} · types {', '.join(incident.type_names)}",
        f"  declared {when(incident.declared_at)} by {incident.declared_by}"
        f" · detected {when(incident.detected_at)} · resolved {when(incident.resolved_at)}",
    ]
    if incident.summary:
        lines.append(f"  summary: {incident.summary}")
    lines.append("Roles:")
    for role in incident.roles:
        span = f"{when(role.assigned_at)} → {when(role.relieved_at) if role.relieved_at else 'now'}"
        lines.append(f"  {role.role:<14} {role.person:<16} {span}")
    lines.append("Clocks:")
    for clock in incident.clocks or []:
        if clock.satisfied_at is not None:
            state = f"{'met' if clock.met else 'MISSED'} {when(clock.satisfied_at)} ref {clock.reference_id}"
        else:
            state = "OVERDUE" if clock.is_overdue(now) else "running"
        lines.append(f"  #{clock.id} {clock.regime:<24} due {when(clock.due_at)}  {state}")
    if not incident.clocks:
        lines.append("  (none)")
    lines.append("Actions:")
    for action in incident.actions:
        due = action.due_date.isoformat() if action.due_date else "-"
        tracker = f" [{action.tracker_key}]" if action.tracker_key else ""
        lines.append(
            f"  #{action.id} {action.status.value:<11} due {due} {action.owner or '-'}: {action.title}{tracker}"
        )
    if not incident.actions:
        lines.append("  (none)")
    lines.append("Timeline:")
    for entry in incident.timeline:
        flag = " [CW]" if entry.sensitive else ""
        lines.append(f"  {when(entry.at)}  {entry.kind.value:<9} {entry.author}:{flag} {one_line(entry.text)}")
    return "\n".join(lines)
