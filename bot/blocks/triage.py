"""What the triage channel, App Home and the pinned card show of signal groups: type, region, counts per source,
times and rate. Never a signal's subject, reporter or text: those are personal data, for an incident's members
only, and :class:`~incidents.signals.queries.GroupView` does not carry them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.blocks.card import Rendered
from bot.blocks.text import Block, Mrkdwn, channel_link, context, divider, header, md, mention, plain, section
from bot.ids import ActionId, Field, ViewId
from incidents.signals.models import GroupState
from incidents.signals.queries import GroupView

TRIAGE_HEADER = "Signals waiting for triage"
HOME_LIMIT = 10
REF_MAX = 40
REASON_MAX = 500


def triage_post(group: GroupView) -> Rendered:
    """The group's post in the triage channel: its facts and, while it waits, Declare / Attach… / Dismiss…;
    once decided, what became of it and who decided, without buttons. An incident is named by its reference
    only (the triage channel need not be among a restricted incident's members)."""
    facts = section(_facts(group))
    if group.state is GroupState.WAITING:
        blocks = [header(TRIAGE_HEADER), facts, _buttons(group)]
        return Rendered(text=md("{} signals waiting for triage: {}", group.type_label, _count(group)), blocks=blocks)
    outcome = _outcome(group)
    blocks = [header(TRIAGE_HEADER), facts, section(outcome)]
    return Rendered(text=md("{} signals: {}", group.type_label, outcome), blocks=blocks)


def attach_modal(group: GroupView) -> Block:
    """Ask which open incident the group belongs to; refusals land beside the reference."""
    return _modal(
        ViewId.SIGNALS_ATTACH,
        "Attach signals",
        "Attach",
        group,
        {
            "type": "input",
            "block_id": Field.INCIDENT_REF.value,
            "label": plain("Incident reference"),
            "hint": plain("For example INC-2026-0042: an open incident these signals are part of."),
            "element": {
                "type": "plain_text_input",
                "action_id": Field.INCIDENT_REF.value,
                "max_length": REF_MAX,
            },
        },
    )


def dismiss_modal(group: GroupView) -> Block:
    """Ask why the group needs no incident: the reason is shown on the triage post and kept on the group."""
    return _modal(
        ViewId.SIGNALS_DISMISS,
        "Dismiss signals",
        "Dismiss",
        group,
        {
            "type": "input",
            "block_id": Field.SKIP_REASON.value,
            "label": plain("Why do these signals need no incident?"),
            "element": {
                "type": "plain_text_input",
                "action_id": Field.SKIP_REASON.value,
                "multiline": True,
                "max_length": REASON_MAX,
            },
        },
    )


def waiting_blocks(groups: Sequence[GroupView], triage_channel: str | None) -> list[Block]:
    """App Home's queue: the groups waiting longest-active first, up to :data:`HOME_LIMIT`, pointing at the
    channel where they are decided."""
    where = md(" · decide in {}", channel_link(triage_channel)) if triage_channel else ""
    blocks: list[Block] = [divider(), header(TRIAGE_HEADER)]
    if not groups:
        return [*blocks, context("No signals are waiting.")]
    blocks.append(context(md("{} group{}{}", len(groups), "" if len(groups) == 1 else "s", where)))
    blocks += [section(_facts(g)) for g in groups[:HOME_LIMIT]]
    if len(groups) > HOME_LIMIT:
        blocks.append(context(f"…and {len(groups) - HOME_LIMIT} more (`vigil signals` lists them all)."))
    return blocks


def _facts(group: GroupView) -> Mrkdwn:
    return md(
        "*{}* · {}\n{} ({})\nFirst {} · last {} · {}/min",
        group.type_label,
        group.region or "no region",
        _count(group),
        _sources(group.sources),
        _utc(group.first_at),
        _utc(group.last_at),
        f"{group.per_minute():.1f}",
    )


def _outcome(group: GroupView) -> Mrkdwn:
    ref = group.incident_ref or "an incident"
    if group.state is GroupState.DISMISSED:
        return md(":no_entry_sign: Dismissed by {}: {}", mention(group.decided_by), group.reason or "")
    if group.declared:
        return md(":rotating_light: Declared as *{}* by {}", ref, mention(group.decided_by))
    return md(":link: Attached to *{}* by {}", ref, mention(group.decided_by))


def _buttons(group: GroupView) -> Block:
    value = str(group.id)
    return {
        "type": "actions",
        "block_id": f"signals-{group.id}",
        "elements": [
            {
                "type": "button",
                "action_id": ActionId.SIGNALS_DECLARE,
                "text": plain("Declare"),
                "style": "danger",
                "value": value,
            },
            {"type": "button", "action_id": ActionId.SIGNALS_ATTACH, "text": plain("Attach…"), "value": value},
            {"type": "button", "action_id": ActionId.SIGNALS_DISMISS, "text": plain("Dismiss…"), "value": value},
        ],
    }


def _modal(callback_id: str, title: str, submit: str, group: GroupView, field: Block) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "private_metadata": str(group.id),
        "blocks": [section(_facts(group)), field],
    }


def _count(group: GroupView) -> str:
    return "1 signal" if group.count == 1 else f"{group.count} signals"


def _sources(sources: dict[str, int]) -> str:
    return ", ".join(f"{source} {n}" for source, n in sorted(sources.items()))


def _utc(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC"
