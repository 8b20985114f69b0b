"""Whether Slack hears of an incident, and the one way an incident declared from the terminal is put there.

Incidents declared in Slack or through the intake API live in Slack from the start: Vigil opens their channel and
posts, DMs and reminds there. A declare from the terminal does not: the terminal is where people try Vigil, rehearse
and record an incident after the fact, often on a database that a bot will later serve against a real workspace,
which would then open public channels for those incidents and DM whoever they name. So such an incident stays out
of Slack until someone decides otherwise: ``vigil provision REF`` (or ``vigil declare --slack``). Until then
Slack's side of the bot delivers nothing about it; the web view and the API show it as any other.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from incidents.context import Ctx
from incidents.effects import audit
from incidents.errors import VigilError
from incidents.models import Incident
from incidents.outbox import Topic, enqueue
from incidents.queries import incident_to_change


def queue_channel(ctx: Ctx, incident: Incident, invite: Iterable[str]) -> None:
    """Ask Slack's side of the bot to open the incident's channel and invite these people to it."""
    enqueue(
        ctx.session,
        Topic.INCIDENT_DECLARED,
        now=ctx.now(),
        incident_id=incident.id,
        payload={"invite": list(dict.fromkeys(invite))},
    )


def provision(ctx: Ctx, ref: str, *, actor: str) -> Incident:
    """Put an incident declared from the terminal in Slack: its channel opens (with its declarer and role holders
    invited) once the bot runs; what happened before shows on its card, not as posts."""
    incident = incident_to_change(ctx, ref)
    if incident.in_slack:
        where = f"channel {incident.slack_channel_id}" if incident.slack_channel_id else "its channel is on its way"
        raise VigilError(f"{incident.ref} is already in Slack ({where}).")
    incident.in_slack = True
    incident.updated_at = ctx.now()
    audit(ctx, actor, "incident.provision", incident)
    holders = [role.person for role in incident.roles if role.relieved_at is None]
    queue_channel(ctx, incident, [incident.declared_by, *holders])
    return incident


def slack_hears_of(ctx: Ctx, incident_id: int | None) -> bool:
    """Whether Slack may be told about this incident; effects about no incident (the digests) always may."""
    if incident_id is None:
        return True
    return bool(ctx.session.scalar(select(Incident.in_slack).where(Incident.id == incident_id)))
