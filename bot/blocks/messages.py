"""Messages other than the card: timeline posts, the hand-off prompt, help, and the home tab."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.card import Rendered, headline, missing_roles
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
    mentioning,
    people,
    section,
    when,
)
from bot.command_grammar import USAGE
from bot.ids import ActionId
from incidents.enums import TimelineKind
from incidents.mentions import stored_mentions
from incidents.models import Action, Handoff, Incident, TimelineEntry
from incidents.policy import Policy

POSTED_KINDS = frozenset(
    {
        TimelineKind.SEVERITY,
        TimelineKind.STATUS,
        TimelineKind.TIER,
        TimelineKind.CLASSIFICATION,
        TimelineKind.ROLE,
        TimelineKind.HANDOFF,
        TimelineKind.UPDATE,
        TimelineKind.ACTION,
        TimelineKind.REFERRAL,
        TimelineKind.SIGNALS,
        TimelineKind.PAGE,
    }
)
"""Timeline kinds worth a message in the channel. Notes and captured messages are already in the channel;
clock starts are on the card."""

KIND_EMOJI = {
    TimelineKind.SEVERITY: ":rotating_light:",
    TimelineKind.STATUS: ":arrows_counterclockwise:",
    TimelineKind.TIER: ":lock:",
    TimelineKind.CLASSIFICATION: ":label:",
    TimelineKind.ROLE: ":bust_in_silhouette:",
    TimelineKind.HANDOFF: ":handshake:",
    TimelineKind.UPDATE: ":mega:",
    TimelineKind.ACTION: ":white_check_mark:",
    TimelineKind.REFERRAL: ":outbox_tray:",
    TimelineKind.SIGNALS: ":satellite_antenna:",
    TimelineKind.PAGE: ":pager:",
}


def entry_text(entry: TimelineEntry) -> Mrkdwn:
    """The entry's text with only the people it was recorded as mentioning live: the spans of
    ``data["mentions"]``, or, in entries without them, the ``<@key>`` Vigil itself wrote about the people the
    entry is about (a role's holder, a hand-off's parties, an action's owner)."""
    spans = stored_mentions(entry.data)
    if spans is not None:
        return mentioning(entry.text, spans)
    return people(entry.text, _people_of(entry))


def _people_of(entry: TimelineEntry) -> set[str]:
    keys = {entry.author, *(str(entry.data.get(k)) for k in ("person", "to", "from") if entry.data.get(k))}
    action_id = entry.data.get("action_id") if entry.kind is TimelineKind.ACTION else None
    keys |= {a.owner for a in entry.incident.actions if a.id == action_id and a.owner}
    return keys


def timeline_post(entry: TimelineEntry) -> Rendered:
    emoji = KIND_EMOJI.get(entry.kind, ":memo:")
    body = entry_text(entry)
    if entry.kind is TimelineKind.UPDATE:
        lines = [md("{} *Status update* ({})", emoji, entry.data.get("status", "")), body]
        if entry.data.get("impact"):
            lines.append(md("*Impact*: {}", entry.data["impact"]))
        if entry.data.get("next_steps"):
            lines.append(md("*Next steps*: {}", entry.data["next_steps"]))
        text = join("\n", lines)
    else:
        text = md("{} {}", emoji, body)
    blocks = [section(text), context(md("{} · {}", mention(entry.author), when(entry.at)))]
    return Rendered(text=clip(md("{}: {}", entry.kind.value, body), 300), blocks=blocks)


def handoff_prompt(request: Handoff, incident: Incident) -> Rendered:
    text = md("{} asks you to take command of {}: {}", mention(request.requested_by), incident.ref, incident.title)
    value = str(request.id)
    buttons = [
        {
            "type": "button",
            "action_id": ActionId.HANDOFF_ACCEPT,
            "text": _label("Accept command"),
            "value": value,
            "style": "primary",
        },
        {"type": "button", "action_id": ActionId.HANDOFF_DECLINE, "text": _label("Decline"), "value": value},
    ]
    where = md(" in {}", channel_link(incident.slack_channel_id)) if incident.slack_channel_id else ""
    blocks = [
        section(md(":handshake: {}{}", text, where)),
        context(md("{} · current commander {}", headline(incident), mention(request.from_person))),
        {"type": "actions", "block_id": f"handoff-{request.id}", "elements": buttons},
    ]
    return Rendered(text=text, blocks=blocks)


def sync_failed(action: Action, commander: str | None, reason: str) -> Rendered:
    """Told once per failure: the action is safe in Vigil, only the Jira copy is missing or stale."""
    who = md("{} ", mention(commander)) if commander else ""
    text = md(
        ":warning: {}the action “{}” could not be synced to Jira ({}). It is kept in Vigil; "
        "`vigil jira resync` tries again.",
        who,
        action.title,
        reason,
    )
    return Rendered(text=clip(text, 300), blocks=[section(clip(text, 3000))])


def handoff_settled(text: str) -> Rendered:
    return Rendered(text=text, blocks=[section(text)])


def help_message(in_incident: str | None) -> Rendered:
    where = f"You are in {in_incident}'s channel." if in_incident else "Run incident commands in the incident channel."
    lines = "\n".join(f"• `{usage}`" for usage in USAGE.values())
    text = (
        "*Vigil* runs incidents from Slack.\n• `/incident` opens the declare form\n"
        f"{lines}\nReact with the timeline emoji (or use the *Add to timeline* shortcut) to record a message."
    )
    return Rendered(text="Vigil commands", blocks=[section(text), context(where)])


def _label(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


HOME_LIMIT = 30


def _no_channel(incident: Incident) -> str:
    return "channel pending" if incident.in_slack else "not in Slack (`vigil provision` opens its channel)"


def home(incidents: list[Incident], policy: Policy, now: datetime) -> Block:
    """The App Home tab: open incidents the viewer may see, worst first."""
    blocks: list[Block] = [header("Open incidents"), context(md("As of {}", when(now)))]
    if not incidents:
        blocks.append(section("No open incidents you can see. `/incident` declares one."))
    for incident in incidents[:HOME_LIMIT]:
        channel = channel_link(incident.slack_channel_id) if incident.slack_channel_id else _no_channel(incident)
        overdue = sum(1 for c in incident.clocks if c.is_overdue(now))
        facts = [md("commander {}", mention(incident.commander)), channel]
        if overdue:
            facts.append(f":warning: {overdue} overdue clock{'s' if overdue > 1 else ''}")
        missing = missing_roles(incident, policy)
        if missing:
            facts.append(f"missing {', '.join(missing)}")
        blocks += [
            divider(),
            section(
                md(
                    "*{}* · *{}* · {}\n{}",
                    incident.ref,
                    incident.severity.value,
                    incident.status.value,
                    incident.title,
                )
            ),
            context(join(" · ", facts)),
        ]
    if len(incidents) > HOME_LIMIT:
        blocks.append(context(f"…and {len(incidents) - HOME_LIMIT} more (`vigil list` shows all)."))
    return {"type": "home", "blocks": blocks}
