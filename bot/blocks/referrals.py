"""The card's referrals: each open one (kind, status, owner, due date, flagged when overdue), and how many are done.

The card is seen by everyone in the incident channel, who may all see the incident, so the kind and status are
shown; free text (note, outcome, reason) never is: it stays in the timeline and the review.
"""

from __future__ import annotations

from datetime import date

from bot.blocks.text import Block, Mrkdwn, join, md, mention, section
from incidents.models import Incident
from incidents.policy import Policy
from incidents.referrals.models import Referral
from incidents.referrals.service import is_overdue, kind_label, referrals_of

CARD_LIMIT = 10
"""Open referrals listed by name; more are counted (a section holds at most 3,000 characters)."""


def referrals_section(incident: Incident, policy: Policy, today: date) -> list[Block]:
    """No block for an incident without referrals."""
    found = referrals_of(incident)
    if not found:
        return []
    still_open = [r for r in found if r.status.is_open]
    lines = [_line(r, policy, today) for r in still_open[:CARD_LIMIT]]
    if len(still_open) > CARD_LIMIT:
        lines.append(md("• and {} more (`/incident referrals`)", len(still_open) - CARD_LIMIT))
    heading = md("*Referrals* {} open of {}", len(still_open), len(found))
    return [section(join("\n", [heading, *lines]))]


def _line(referral: Referral, policy: Policy, today: date) -> Mrkdwn:
    facts = [md("#{} {}: {}", referral.id, kind_label(policy, referral.kind), referral.status.label)]
    if referral.owner:
        facts.append(md("owner {}", mention(referral.owner)))
    if referral.due_date:
        late = Mrkdwn(" — :warning: *overdue*") if is_overdue(referral, today) else ""
        facts.append(md("due {}{}", referral.due_date.isoformat(), late))
    return md("• {}", join(", ", facts))
