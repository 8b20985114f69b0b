"""A filing packet as Markdown, for the terminal and for pasting into the regulator's form or a letter: every value
escaped, so what people wrote shows as written and never as headings, links or raw HTML."""

from __future__ import annotations

from incidents.filings.packet import FieldState, Packet, PacketField
from incidents.reviews.formatting import when
from incidents.reviews.templating import escape_markdown, markdown_url

_SHOWN = {
    FieldState.MISSING: "_Still missing._",
    FieldState.WITHHELD: "_Withheld: the case's parties are for the incident's members._",
}


def packet_markdown(packet: Packet) -> str:
    filing, clock = packet.filing, packet.standing.clock
    lines = [
        f"# {escape_markdown(filing.title)}",
        "",
        f"**{packet.ref}** · clock #{packet.clock_id} {escape_markdown(packet.regime)} · "
        f"{packet.standing.state.value}, due {when(clock.due_at)}",
        f"**To:** {escape_markdown(filing.recipient)}",
        f"**Fields as of** {packet.as_of.isoformat()}: [{escape_markdown(filing.source_url)}]"
        f"({markdown_url(filing.source_url)})",
    ]
    if clock.satisfied_at is not None:
        lines.append(
            f"**Filed** {when(clock.satisfied_at)} by {escape_markdown(packet.filed_by or '')}, reference "
            f"{escape_markdown(clock.reference_id or '')}"
        )
    for field in packet.fields:
        lines += ["", f"## {_title(field)}", "", _value(field)]
    if packet.missing:
        lines += ["", f"## Still missing ({len(packet.missing)})", ""]
        lines += [f"- {_title(field)}" for field in packet.missing]
    if filing.notes:
        lines += ["", f"> {escape_markdown(filing.notes)}"]
    return "\n".join(lines)


def _title(field: PacketField) -> str:
    return f"{escape_markdown(field.label)} ({escape_markdown(field.cite)})"


def _value(field: PacketField) -> str:
    if field.state is FieldState.FILLED:
        return escape_markdown(field.value)
    return _SHOWN[field.state]
