"""The card's paging: each page (service or person paged, where it stands, who acknowledged) and who is on call.

The card is seen by everyone in the incident channel, who may all see the incident; the names are the
responders the paging service gave or the people paged by hand, never anyone the incident is about.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.text import Block, Mrkdwn, join, md, section, when
from incidents.paging.models import Page, PageState
from incidents.paging.people import addressee_of, page_name
from incidents.policy import Policy


def pages_section(found: Sequence[Page], policy: Policy) -> list[Block]:
    """No block for an incident nobody was paged for."""
    if not found:
        return []
    lines = [_line(p, policy) for p in found]
    on_call = [person["name"] or person["email"] for p in found if addressee_of(p) is None for person in p.on_call]
    if on_call:
        lines.append(md("On call: {}", ", ".join(dict.fromkeys(on_call))))
    return [section(join("\n", [Mrkdwn("*Paging*"), *lines]))]


def _line(page: Page, policy: Policy) -> Mrkdwn:
    return md("• {}: {}", page_name(page, policy.paging), _standing(page))


def _standing(page: Page) -> Mrkdwn:
    if page.acknowledged_at is not None:
        return md("acknowledged by {} {}", page.acknowledged_by or "someone", when(page.acknowledged_at))
    if page.state is PageState.RESOLVED:
        return Mrkdwn("resolved")
    if page.state is PageState.ESCALATED:
        return md("not acknowledged in time; escalated")
    if page.sent_at is not None:
        return md("sent {}, not acknowledged yet", when(page.sent_at))
    if page.late_noted:
        return Mrkdwn(":warning: late: the paging service is not answering; Vigil keeps trying")
    return Mrkdwn("sending")
