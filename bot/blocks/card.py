"""The incident card (pinned in the incident channel, kept current with chat.update), the channel's topic and
purpose, and the announcement. Pure functions of the incident as loaded by ``queries.incident_to_show``."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.blocks.pages import pages_section
from bot.blocks.referrals import referrals_section
from bot.blocks.tasks import progress_section
from bot.blocks.text import (
    Block,
    Mrkdwn,
    channel_link,
    clip,
    context,
    divider,
    header,
    join,
    md,
    mention,
    mrkdwn,
    safe,
    section,
    when,
)
from incidents.clocks.standing import clock_standing
from incidents.enums import ActionStatus
from incidents.models import Clock, Incident
from incidents.paging.models import Page
from incidents.policy import Policy
from incidents.record.models import LegalHold
from incidents.scheduling.plan import next_update_due
from incidents.signals.queries import GroupView

SEVERITY_EMOJI = {"SEV0": ":red_circle:", "SEV1": ":red_circle:", "SEV2": ":large_orange_circle:"}


@dataclass(frozen=True)
class Rendered:
    """A message: fallback text (notifications, screen readers) plus blocks. Slack reads the fallback as mrkdwn
    too (it is what pings), so it is escaped unless it is :class:`Mrkdwn`."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": safe(self.text), "blocks": self.blocks}

    def fingerprint(self) -> str:
        return digest(json.dumps(self.as_kwargs(), sort_keys=True))


def headline(incident: Incident) -> str:
    return f"{incident.ref} · {incident.severity.value} · {incident.status.value}"


def missing_roles(incident: Incident, policy: Policy) -> list[str]:
    """Roles the policy requires for the incident's types (and a commander) that nobody holds now."""
    wanted = ["commander", *(r for t in incident.type_names for r in policy.types[t].requires_roles)]
    return [r for r in dict.fromkeys(wanted) if not incident.current_holders(r)]


def _clock_line(clock: Clock, now: datetime) -> Mrkdwn:
    standing = clock_standing(clock, now)
    if standing.settled:
        return md("• {}: {} ({})", clock.name, standing.state.value, clock.reference_id)
    flag = Mrkdwn(" — :warning: *overdue*") if standing.late else ""
    return md("• {}: due {}{}", clock.name, when(clock.due_at), flag)


def _roles_text(incident: Incident, policy: Policy) -> Mrkdwn:
    lines = [
        md("*{}*: {}", role, join(", ", (mention(p) for p in holders)))
        for role in policy.roles
        if (holders := incident.current_holders(role))
    ]
    missing = missing_roles(incident, policy)
    if missing and incident.status.is_open:
        lines.append(md(":warning: Missing: {}", ", ".join(missing)))
    return join("\n", lines) or Mrkdwn("Nobody yet.")


def card(
    incident: Incident,
    policy: Policy,
    now: datetime,
    *,
    signals: Sequence[GroupView] = (),
    pages: Sequence[Page] = (),
    holds: Sequence[LegalHold] = (),
) -> Rendered:
    """``signals``: the groups of signals attached to the incident (its "Signals: …" line); ``pages``: its pages
    (the "Paging" section); ``holds``: its legal holds in place."""
    labels = ", ".join(policy.types[t].label for t in incident.type_names if t in policy.types)
    severity = policy.severities[incident.severity]
    fields = [
        md(
            "*Severity*\n{} {} {}",
            SEVERITY_EMOJI.get(incident.severity.value, ""),
            incident.severity.value,
            severity.label,
        ),
        md("*Status*\n{}", incident.status.value),
        md("*Sensitivity*\n{}", incident.tier.value),
        md("*Types*\n{}", labels),
        md("*Region*\n{}", incident.region or "—"),
        md("*Declared*\n{} by {}", when(incident.declared_at), mention(incident.declared_by)),
    ]
    summary = md("\n{}", clip(incident.summary, 2500)) if incident.summary else ""
    blocks: list[Block] = [
        header(headline(incident)),
        section(md("*{}*{}", incident.title, summary)),
        {"type": "section", "fields": [mrkdwn(f, 2000) for f in fields]},
        section(md("*Roles*\n{}", _roles_text(incident, policy))),
    ]
    if incident.clocks:
        lines = [_clock_line(c, now) for c in incident.clocks]
        blocks.append(section(md("*Clocks*\n{}", join("\n", lines))))
    due = next_update_due(incident, policy)
    if due is not None:
        late = Mrkdwn(" — :warning: *overdue*") if due < now else ""
        blocks.append(section(md("*Next update due* {}{}", when(due), late)))
    open_actions = sum(1 for a in incident.actions if a.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
    if incident.actions:
        blocks.append(section(md("*Actions* {} open of {}", open_actions, len(incident.actions))))
    signals_text = _signals_line(signals)
    if signals_text is not None:
        blocks.append(section(signals_text))
    blocks += pages_section(pages, policy)
    for hold in holds:
        blocks.append(
            section(
                md(
                    ":lock: *Legal hold* for {}, placed by {} on {}",
                    hold.matter,
                    mention(hold.placed_by),
                    when(hold.placed_at),
                )
            )
        )
    blocks += progress_section(incident, now)
    blocks += referrals_section(incident, policy, now.date())
    blocks += [divider(), context(md("Updated {} · `/incident help` for commands", when(incident.updated_at)))]
    return Rendered(text=f"{headline(incident)}: {incident.title}", blocks=blocks)


def _signals_line(groups: Sequence[GroupView]) -> Mrkdwn | None:
    """The card's line, over every group attached to the incident: "Signals: 137 (hotline 120, in_app 17),
    4.2/min, last 02:15 UTC"; None without signals."""
    if not groups:
        return None
    sources: Counter[str] = Counter()
    for group in groups:
        sources.update(group.sources)
    total = sum(sources.values())
    first, last = min(g.first_at for g in groups), max(g.last_at for g in groups)
    rate = total / max((last - first).total_seconds() / 60, 1.0)
    by_source = ", ".join(f"{source} {n}" for source, n in sorted(sources.items()))
    return md("*Signals*: {} ({}), {}/min, last {} UTC", total, by_source, f"{rate:.1f}", f"{last:%H:%M}")


def digest(text: str) -> str:
    """A short fingerprint of a text Slack holds (a topic), so a refresh only rewrites it when it changed."""
    return hashlib.sha1(text.encode()).hexdigest()


def topic(incident: Incident) -> str:
    commander = incident.commander
    lead = md(" · commander {}", mention(commander)) if commander else ""
    return clip(md("{}{}", headline(incident), lead), 250)


def purpose(incident: Incident) -> str:
    return clip(md("{}: {}", incident.ref, incident.title), 250)


def announcement(incident: Incident, channel_id: str | None) -> Rendered:
    """What the announcements channel sees. Restricted incidents are never announced; if one becomes restricted
    after its announcement, the announcement is edited down to this redacted form."""
    if incident.tier.is_restricted:
        text = f"{incident.ref} is restricted; its details are shared with its responders only."
        return Rendered(text=text, blocks=[section(text)])
    where = md(" — join {}", channel_link(channel_id)) if channel_id else ""
    text = md("{} ({}) declared: {}", incident.ref, incident.severity.value, incident.title)
    blocks = [
        section(
            md(":rotating_light: *{}* · *{}* · {}{}", incident.ref, incident.severity.value, incident.title, where)
        ),
        context(md("Status {} · declared {}", incident.status.value, when(incident.declared_at))),
    ]
    return Rendered(text=text, blocks=blocks)
