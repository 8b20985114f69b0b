"""A regulatory clock's filing packet in Slack: the "Draft filing" button on the clock's reminders, and the packet
it sends the person who clicked, as an ephemeral message only they see. Everything in the packet (the incident's
facts, what people wrote, the policy's wording) is escaped on its way."""

from __future__ import annotations

from bot.blocks.text import Block, Mrkdwn, context, header, join, link, md, plain, section, when
from bot.ids import ActionId
from incidents.filings.packet import FieldState, Packet, PacketField

SHOWN = {
    FieldState.MISSING: Mrkdwn(":warning: _Still missing_"),
    FieldState.WITHHELD: Mrkdwn("_Withheld: the case's parties are for the incident's members_"),
}


def draft_button(ref: str, clock_id: int) -> Block:
    """The button under a clock's reminder: it asks for the packet of that clock of that incident."""
    button = {
        "type": "button",
        "action_id": ActionId.DRAFT_FILING,
        "text": plain("Draft filing"),
        "value": f"{ref} {clock_id}",
    }
    return {"type": "actions", "block_id": f"filing-{clock_id}", "elements": [button]}


def clicked(value: str) -> tuple[str, str]:
    """The incident and the clock (as ``#id``) a "Draft filing" button names (:func:`draft_button`)."""
    ref, clock_id = value.split()
    return ref, f"#{clock_id}"


def filing_packet(packet: Packet) -> Block:
    """The packet as a message: a field a section, what is still missing listed at the end."""
    filing, clock = packet.filing, packet.standing.clock
    blocks: list[Block] = [
        header(filing.title),
        context(
            md("{} · {} · {}, due {}", packet.ref, packet.clock_name, packet.standing.state.value, when(clock.due_at))
        ),
        section(md("*To:* {}", filing.recipient)),
    ]
    if clock.satisfied_at is not None:
        filed = md(
            "*Filed* {} by {}, reference {}", when(clock.satisfied_at), packet.filed_by or "", clock.reference_id or ""
        )
        blocks.append(section(filed))
    blocks += [section(_field(f)) for f in packet.fields]
    if packet.missing:
        missing = join("\n", (md("• {} ({})", f.label, f.cite) for f in packet.missing))
        blocks.append(section(md("*Still missing ({})*\n{}", len(packet.missing), missing)))
    source = md("Fields as of {} ({})", packet.as_of.isoformat(), link(filing.source_url, "source"))
    blocks.append(context(source, filing.notes))
    text = f"Filing packet for {packet.ref}: {filing.title} ({len(packet.missing)} still missing)"
    return {"text": text, "blocks": blocks}


def _field(field: PacketField) -> Mrkdwn:
    value = md("{}", field.value or "") if field.state is FieldState.FILLED else SHOWN[field.state]
    return md("*{}* ({})\n{}", field.label, field.cite, value)
