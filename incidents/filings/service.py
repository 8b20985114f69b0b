"""The filing verbs every surface calls: :func:`draft` a clock's packet from the incident, and
:func:`record_submission` once it is sent, which meets the clock through its one "met" path
(:func:`incidents.clocks.service.settle`), so the timeline, the audit log, the record's chain and the review all
hear of it as of any clock met.

A packet tells the incident as the team review does (names, free text, the clock's reference), so it is read by
whoever may read the team review (:attr:`~incidents.access.Act.SEE_TEAM_REVIEW`): for a restricted incident, its
members only. The case's parties appear in it only for readers who may see them, and that read is audited as any
read of the parties is.
"""

from __future__ import annotations

from datetime import datetime

from incidents.access import Act, Standing, Who, acting, permits
from incidents.access.reading import seen_standing
from incidents.clocks.service import settle
from incidents.context import Ctx
from incidents.effects import audit
from incidents.errors import Forbidden, NotFound, VigilError
from incidents.filings.facts import Known
from incidents.filings.packet import Packet, fill
from incidents.guards import not_in_future
from incidents.models import Clock, Incident
from incidents.parties.service import list_parties
from incidents.people import Names, people_of
from incidents.policy import Policy
from incidents.policy.filings import FilingPolicy
from incidents.queries import incident_to_change, incident_to_show
from incidents.reviews.formatting import when
from incidents.reviews.service import find_review


def draft(ctx: Ctx, ref: str, clock: str, *, actor: str | Who) -> Packet:
    """The packet of the incident's ``clock`` (its regime, or its number as ``vigil show`` lists it) filled from
    what the incident knows now, with what is still missing. Audited, as reading a restricted review is."""
    who = acting(actor)
    found = _admitted(ctx, who, ref, Act.SEE_TEAM_REVIEW, "read its filing packets")
    incident = incident_to_show(ctx, found.ref)
    target, filing = _clock(incident, ctx.policy, clock)
    parties = list_parties(ctx, found.ref, actor=who) if permits(who, found, Act.SEE_PARTIES) else None
    keys = people_of(incident) | {k for k in (target.satisfied_by,) if k}
    known = Known(incident, target, find_review(ctx, incident), parties, Names.load(ctx, keys))
    packet = fill(filing, known, ctx.now())
    audit(
        ctx,
        who.key,
        "filing.draft",
        incident,
        clock_id=target.id,
        regime=target.regime,
        missing=[f.key for f in packet.missing],
    )
    return packet


def record_submission(ctx: Ctx, ref: str, clock: str, *, reference: str, sent_at: datetime, actor: str | Who) -> Clock:
    """Record that the clock's packet was sent at ``sent_at`` under the recipient's ``reference``: the clock is met
    (or missed, if late) and the clocks it chains to start."""
    who = acting(actor)
    found = _admitted(ctx, who, ref, Act.EDIT, "record its filings")
    incident = incident_to_change(ctx, found.ref)
    target, filing = _clock(incident, ctx.policy, clock)
    if target.satisfied_at is not None:
        raise VigilError(
            f"The {target.regime} filing of {incident.ref} is already recorded: sent {when(target.satisfied_at)}"
            f" with reference {target.reference_id}. Nothing changed.",
            field="clock",
        )
    not_in_future(sent_at, ctx.now(), "sent_at", "The time it was sent")
    return settle(
        ctx,
        incident,
        target,
        actor=who.key,
        reference_id=reference,
        at=sent_at,
        done=f"Filed: {filing.title}",
        audit_action="filing.record",
        data={"filing_as_of": filing.last_verified.isoformat()},
    )


def with_filing(policy: Policy) -> list[str]:
    """The clocks of the policy pack that have a packet to file."""
    return [regime for regime, clock in policy.clocks.items() if clock.filing is not None]


def _admitted(ctx: Ctx, who: Who, ref: str, act: Act, doing: str) -> Standing:
    """The incident's standing once ``who`` may do ``act``; one that may not know it exists is told it does not."""
    found = seen_standing(ctx, who, ref)
    if permits(who, found, act):
        return found
    if found.tier.is_restricted:
        raise Forbidden(f"{found.ref} is {found.tier.value}: only its members can {doing}.")
    raise Forbidden(f"Only the incident team can {doing} ({found.ref}).")


def _clock(incident: Incident, policy: Policy, named: str) -> tuple[Clock, FilingPolicy]:
    """The clock ``named`` (a regime, or ``#12``/``12``) and its packet: the running one of a regime started more
    than once, else its latest."""
    name = named.strip().lstrip("#").lower()
    if name.isdigit():
        clocks = [c for c in incident.clocks if c.id == int(name)]
        if not clocks:
            raise NotFound(f"{incident.ref} has no clock #{name}; {_its_clocks(incident)}", field="clock")
    else:
        if name not in policy.clocks:
            raise VigilError(
                f"Unknown clock {named.strip()!r}: {_its_clocks(incident)} The clocks with a filing are "
                f"{', '.join(with_filing(policy))}.",
                field="clock",
            )
        clocks = [c for c in incident.clocks if c.regime == name]
    regime = clocks[0].regime if clocks else name
    filing = policy.clocks[regime].filing if regime in policy.clocks else None
    if filing is None:
        raise VigilError(
            f"The {regime} clock has no filing in the policy pack (nothing is sent to meet it): satisfy it with its "
            f"reference instead. The clocks with a filing are {', '.join(with_filing(policy))}.",
            field="clock",
        )
    if not clocks:
        raise NotFound(f"{incident.ref} has no {regime} clock: start it first if the duty applies.", field="clock")
    running = [c for c in clocks if c.satisfied_at is None]
    return (running or clocks)[-1], filing


def _its_clocks(incident: Incident) -> str:
    listed = ", ".join(f"#{c.id} {c.regime}" for c in incident.clocks)
    return f"its clocks: {listed}." if listed else "it has no clocks."
