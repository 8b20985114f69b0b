"""The incident card (pinned in the incident channel, kept current with chat.update), the channel's topic and
purpose, and the announcement. Pure functions of the incident as loaded by ``queries.get_incident``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.blocks.text import Block, clip, context, divider, header, mention, section, when
from incidents.enums import ActionStatus
from incidents.models import Clock, Incident
from incidents.policy import Policy

SEVERITY_EMOJI = {"SEV0": ":red_circle:", "SEV1": ":red_circle:", "SEV2": ":large_orange_circle:"}


@dataclass(frozen=True)
class Rendered:
    """A message: fallback text (notifications, screen readers) plus blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    def fingerprint(self) -> str:
        return digest(json.dumps(self.as_kwargs(), sort_keys=True))


def headline(incident: Incident) -> str:
    return f"{incident.ref} · {incident.severity.value} · {incident.status.value}"


def missing_roles(incident: Incident, policy: Policy) -> list[str]:
    """Roles the policy requires for the incident's types (and a commander) that nobody holds now."""
    wanted = ["commander", *(r for t in incident.type_names for r in policy.types[t].requires_roles)]
    return [r for r in dict.fromkeys(wanted) if not incident.current_holders(r)]


def next_update_due(incident: Incident, policy: Policy) -> datetime | None:
    if not incident.status.is_open:
        return None
    if incident.updates:
        return incident.updates[-1].next_update_due
    cadence = policy.update_cadence_minutes(incident.severity)
    return incident.declared_at + timedelta(minutes=cadence) if cadence else None


def _clock_line(clock: Clock, now: datetime) -> str:
    if clock.satisfied_at is not None:
        verdict = "met" if clock.met else "missed"
        return f"• {clock.name}: {verdict} ({clock.reference_id})"
    flag = " — :warning: *overdue*" if clock.is_overdue(now) else ""
    return f"• {clock.name}: due {when(clock.due_at)}{flag}"


def _roles_text(incident: Incident, policy: Policy) -> str:
    lines = [
        f"*{role}*: {', '.join(mention(p) for p in holders)}"
        for role in policy.roles
        if (holders := incident.current_holders(role))
    ]
    missing = missing_roles(incident, policy)
    if missing and incident.status.is_open:
        lines.append(f":warning: Missing: {', '.join(missing)}")
    return "\n".join(lines) or "Nobody yet."


def card(incident: Incident, policy: Policy, now: datetime) -> Rendered:
    labels = ", ".join(policy.types[t].label for t in incident.type_names if t in policy.types)
    severity = policy.severities[incident.severity]
    fields = [
        f"*Severity*\n{SEVERITY_EMOJI.get(incident.severity.value, '')} {incident.severity.value} {severity.label}",
        f"*Status*\n{incident.status.value}",
        f"*Sensitivity*\n{incident.tier.value}",
        f"*Types*\n{labels}",
        f"*Region*\n{incident.region or '—'}",
        f"*Declared*\n{when(incident.declared_at)} by {mention(incident.declared_by)}",
    ]
    blocks: list[Block] = [
        header(headline(incident)),
        section(f"*{incident.title}*" + (f"\n{clip(incident.summary, 2500)}" if incident.summary else "")),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": clip(f, 2000)} for f in fields]},
        section(f"*Roles*\n{_roles_text(incident, policy)}"),
    ]
    if incident.clocks:
        lines = [_clock_line(c, now) for c in incident.clocks]
        blocks.append(section(clip("*Clocks*\n" + "\n".join(lines), 3000)))
    due = next_update_due(incident, policy)
    if due is not None:
        late = " — :warning: *overdue*" if due < now else ""
        blocks.append(section(f"*Next update due* {when(due)}{late}"))
    open_actions = sum(1 for a in incident.actions if a.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
    if incident.actions:
        blocks.append(section(f"*Actions* {open_actions} open of {len(incident.actions)}"))
    blocks += [divider(), context(f"Updated {when(incident.updated_at)} · `/incident help` for commands")]
    return Rendered(text=f"{headline(incident)}: {incident.title}", blocks=blocks)


def digest(text: str) -> str:
    """A short fingerprint of a text Slack holds (a topic), so a refresh only rewrites it when it changed."""
    return hashlib.sha1(text.encode()).hexdigest()


def topic(incident: Incident) -> str:
    commander = incident.commander
    lead = f" · commander {mention(commander)}" if commander else ""
    return clip(f"{headline(incident)}{lead}", 250)


def purpose(incident: Incident) -> str:
    return clip(f"{incident.ref}: {incident.title}", 250)


def announcement(incident: Incident, channel_id: str | None) -> Rendered:
    """What the announcements channel sees. Restricted incidents are never announced; if one becomes restricted
    after its announcement, the announcement is edited down to this redacted form."""
    if incident.tier.is_restricted:
        text = f"{incident.ref} is restricted; its details are shared with its responders only."
        return Rendered(text=text, blocks=[section(text)])
    join = f" — join <#{channel_id}>" if channel_id else ""
    text = f"{incident.ref} ({incident.severity.value}) declared: {incident.title}"
    blocks = [
        section(f":rotating_light: *{incident.ref}* · *{incident.severity.value}* · {incident.title}{join}"),
        context(f"Status {incident.status.value} · declared {when(incident.declared_at)}"),
    ]
    return Rendered(text=text, blocks=blocks)
