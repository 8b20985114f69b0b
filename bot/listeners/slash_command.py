"""``/incident``: parse, acknowledge, run the domain verb in one unit of work, and tell the person the outcome.

Commands in an incident channel are acknowledged at once and answered through the command's response_url
(ephemeral), so the ack never waits on the database. A quick declare is the exception: its reply, with the new
reference, rides on the ack itself, so the declarer learns it even while Slack's Web API is failing. Forms
(declare, update) are opened with views.open after the ack (``/incident review`` starts the review first, so
the form is pre-filled). Text that does not parse is refused on the ack. A resolve (or ``status resolved``) that
would leave playbook steps, referrals or clocks open resolves nothing: it opens a form listing them, whose submit
resolves anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import messages
from bot.blocks.modals import Origin, declare_modal, party_modal, referral_modal, resolve_modal, update_modal
from bot.blocks.tasks import task_list
from bot.blocks.text import join, md, mention, people, safe, when
from bot.command_grammar import (
    CHANNEL_COMMANDS,
    AddAction,
    AddNote,
    AssignRole,
    ChangeSeverity,
    ChangeStatus,
    Close,
    CommandError,
    EraseParty,
    HandOff,
    Help,
    Hold,
    ListClocks,
    ListParties,
    ListReferrals,
    ListTasks,
    MoveReferral,
    OpenDeclareModal,
    OpenPartyModal,
    OpenReferralModal,
    OpenReviewModal,
    OpenUpdateModal,
    PageService,
    QuickDeclare,
    Reclassify,
    Request,
    Resolve,
    SatisfyClock,
    parse,
    subcommand,
)
from bot.context import Vigil, received_at
from bot.ids import Command
from bot.listeners.common import open_view, reply_on_error
from bot.listeners.reviews import review_modal
from bot.people import PeopleDirectory
from incidents import actions, lifecycle, roles, timeline
from incidents.access import Who
from incidents.clocks import service as clocks
from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.left_open import WorkLeftOpen
from incidents.models import Incident
from incidents.paging import service as paging
from incidents.parties import service as parties
from incidents.queries import find_by_channel, incident_to_show
from incidents.record import holds
from incidents.referrals import service as referrals
from incidents.tasks import service as tasks

log = logging.getLogger(__name__)


def register(app: App, vigil: Vigil) -> None:
    def answer_now(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        """The ack: refusals of the text, help and a quick declare ride on it; everything else is acked bare."""
        user, channel, text = command["user_id"], command["channel_id"], command.get("text", "")
        with reply_on_error(ack=ack):
            request = parse(text)
            if isinstance(request, Help):
                with vigil.domain.unit() as ctx:
                    here = find_by_channel(ctx, channel)
                    ack(**messages.help_message(here.ref if here else None).as_kwargs())
            elif isinstance(request, QuickDeclare):
                declare = request
                declared = vigil.domain.run(lambda ctx: _declare(ctx, declare, user), received=received_at(context))
                ack(text=safe(declared))
            else:
                ack()

    def answer_later(command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
        """After the bare ack: open a form, or run a channel command and answer through the response_url."""
        user, channel, text = command["user_id"], command["channel_id"], command.get("text", "")
        received = received_at(context)
        try:
            request = parse(text)
        except CommandError:
            return  # refused on the ack
        with reply_on_error(respond=respond):
            if isinstance(request, (Help, QuickDeclare)):
                return  # answered on the ack
            if isinstance(request, OpenDeclareModal):
                modal = declare_modal(vigil.domain.policy, Origin(channel=channel), title=request.title)
            elif isinstance(request, OpenUpdateModal):
                with vigil.domain.unit() as ctx:
                    incident = _incident_here(ctx, channel, "update")
                    modal = update_modal(incident, ctx.policy, Origin(channel=channel, ref=incident.ref))
            elif isinstance(request, OpenPartyModal):
                with vigil.domain.unit() as ctx:
                    incident = _incident_here(ctx, channel, "party")
                    parties.require_member(incident, Who.person(user))
                    modal = party_modal(incident, Origin(channel=channel, ref=incident.ref))
            elif isinstance(request, OpenReferralModal):
                with vigil.domain.unit() as ctx:
                    incident = _incident_here(ctx, channel, "refer")
                    modal = referral_modal(incident, ctx.policy, Origin(channel=channel, ref=incident.ref))
            elif isinstance(request, ListTasks):
                listed = vigil.domain.run(lambda ctx: _tasks(ctx, channel), received=received)
                respond(response_type="ephemeral", replace_original=False, **listed)
                return
            elif isinstance(request, OpenReviewModal):
                modal = vigil.domain.run(
                    lambda ctx: review_modal(ctx, vigil, _incident_here(ctx, channel, "review"), user),
                    received=received,
                )
            else:
                if isinstance(request, PageService) and request.person:
                    # their e-mail addresses, by which PagerDuty knows people: asked of Slack outside the unit
                    PeopleDirectory(client, vigil.domain).learn([request.person, user])
                verb = subcommand(text)
                try:
                    reply = vigil.domain.run(
                        lambda ctx: _run(ctx, vigil, _incident_here(ctx, channel, verb), request, user),
                        received=received,
                    )
                except WorkLeftOpen as refused:  # resolving would leave work open: list it, and ask first
                    note = request.note if isinstance(request, (Resolve, ChangeStatus)) else ""
                    modal = resolve_modal(refused.ref, refused.left, note, Origin(channel=channel, ref=refused.ref))
                else:
                    respond(text=safe(reply), response_type="ephemeral", replace_original=False)
                    return
            open_view(client, respond, command["trigger_id"], modal)

    app.command(Command.INCIDENT)(ack=answer_now, lazy=[answer_later])


def _incident_here(ctx: Ctx, channel: str, verb: str) -> Incident:
    ctx.lock_incident(channel=channel)
    incident = find_by_channel(ctx, channel)
    if incident is None:
        raise VigilError(
            f"`/incident {verb}` works in an incident's channel, and this channel is not one. "
            "Run it in the incident channel, or `/incident` to declare a new incident."
        )
    return incident


def _tasks(ctx: Ctx, channel: str) -> dict[str, Any]:
    incident, listed = tasks.list_tasks(ctx, _incident_here(ctx, channel, "tasks").ref)
    return task_list(incident.ref, listed, ctx.now())


def _declare(ctx: Ctx, request: QuickDeclare, user: str) -> str:
    incident = lifecycle.declare(
        ctx,
        actor=user,
        title=request.title,
        types=request.types,
        severity=request.severity,
        tier=request.tier,
        region=request.region,
    )
    return md(
        "Declared *{}* ({}, {}): {}. I'm creating its channel and will add you. "
        "Change the severity with `/incident severity`.",
        incident.ref,
        incident.severity.value,
        incident.tier.value,
        incident.title,
    )


def _reclassified(done: lifecycle.Reclassified) -> str:
    """The change, then what it set off: the clocks now running and the playbook steps to do."""
    lines = [f"{done.incident.ref}: {done.change}."]
    lines += [f"• Clock started: {c.name}, due {c.due_at:%Y-%m-%d %H:%M} UTC." for c in done.clocks]
    if done.tasks:
        added = len(done.tasks)
        lines.append(f"• {added} playbook step{'' if added == 1 else 's'} added: `/incident tasks` lists them.")
    return "\n".join(lines)


def _hold(ctx: Ctx, ref: str, matter: str | None, reason: str, release: bool, who: Who) -> str:
    """Legal holds, for the incident's legal role: placed, released, or listed (who placed each, by name)."""
    if release:
        released = holds.release_hold(ctx, ref, actor=who, matter=matter)
        return "\n".join(f"Released the legal hold on {ref} for {hold.matter}." for hold in released)
    if matter is not None:
        hold = holds.place_hold(ctx, ref, actor=who, matter=matter, reason=reason)
        return f"{ref} is under legal hold for {hold.matter}: nothing of it is erased or purged until it is released."
    placed = holds.active_holds(ctx.session, incident_to_show(ctx, ref).id)
    lines = (
        md("• {}: {} — placed by {} on {} ({})", ref, h.matter, mention(h.placed_by), when(h.placed_at), h.reason)
        for h in placed
    )
    return join("\n", lines) or f"{ref} has no legal holds."


def _run(ctx: Ctx, vigil: Vigil, incident: Incident, request: Request, user: str) -> str:
    ref = incident.ref
    match request:
        case AssignRole(person=person, role=role):
            assignment = roles.assign_role(ctx, ref, actor=user, role=role, person=person)
            return md("{} is now {} on {}.", mention(person), assignment.role, ref)
        case HandOff(person=person):
            roles.handoff(ctx, ref, actor=user, to=person)
            return md("Asked {} to take command of {}; they will get Accept/Decline buttons.", mention(person), ref)
        case ChangeSeverity(severity=severity, reason=reason):
            lifecycle.change_severity(ctx, ref, actor=user, severity=severity, reason=reason)
            return f"{ref} is now {severity.value}."
        case Reclassify(types=types, jurisdictions=places, reason=reason):
            return _reclassified(
                lifecycle.reclassify(ctx, ref, actor=user, types=types, jurisdictions=places, reason=reason)
            )
        case ChangeStatus(status=status, note=note):
            lifecycle.change_status(ctx, ref, actor=user, status=status, note=note, confirmed=False)
            return f"{ref} is now {status.value}."
        case AddNote(text=note, mentions=mentions):
            entry = timeline.add_note(ctx, ref, actor=user, text=note, mentions=mentions)
            return md("Noted on {}'s timeline: {}", ref, messages.entry_text(entry))
        case AddAction(title=title, owner=owner, due=due):
            action = actions.add_action(
                ctx, ref, actor=user, title=title, owner=owner, due_date=due, tracked=vigil.tracked
            )
            return f"Action #{action.id} added to {ref}: {action.title}."
        case SatisfyClock(reference_id=reference_id, clock=which):
            clock_id = int(which[1:]) if which and which.startswith("#") and which[1:].isdigit() else None
            regime = which if which and clock_id is None else None
            clock = clocks.satisfy_clock(
                ctx, ref, actor=user, clock_id=clock_id, regime=regime, reference_id=reference_id
            )
            verdict = "met" if clock.met else "missed"
            return f"{clock.name}: satisfied ({verdict}) with reference {reference_id}."
        case ListClocks():
            running = [c for c in incident_to_show(ctx, ref).clocks if c.satisfied_at is None]
            if not running:
                return f"{ref} has no running clocks."
            lines = "\n".join(f"• `{c.regime}` (#{c.id}) {c.name}, due {c.due_at:%Y-%m-%d %H:%M} UTC" for c in running)
            return f"Running clocks on {ref}:\n{lines}\nSatisfy one with `/incident clock <clock> <reference id>`."
        case ListParties():
            listed = parties.list_parties(ctx, ref, actor=Who.person(user))
            if not listed:
                return f"{ref} has no parties yet. Add one with `/incident party`."
            lines = "\n".join(f"• {parties.describe(p)}" for p in listed)
            return f"Parties to {ref} (members only; this look is recorded):\n{lines}"
        case EraseParty(party=party):
            return parties.erase_party(ctx, ref, party, actor=Who.person(user)).message
        case Hold(matter=matter, reason=reason, release=release):
            return _hold(ctx, ref, matter, reason, release, Who.person(user))
        case ListReferrals():
            referred = referrals.referrals_of(incident)
            if not referred:
                return f"{ref} has no referrals yet. Open one with `/incident refer`."
            lines = "\n".join(f"• {referrals.describe(r, ctx.policy, ctx.now().date())}" for r in referred)
            return md("Referrals of {}:\n{}", ref, people(lines, {r.owner for r in referred if r.owner}))
        case MoveReferral(number=number, status=status, said=said):
            return referrals.move_referral(ctx, number, status, actor=user, said=said, ref=ref)[1]
        case PageService(service=name, person=person):
            reason = "paged from Slack"
            paged = (
                paging.page(ctx, ref, service=name, actor=user, reason=reason)
                if person is None
                else paging.page_person(ctx, ref, person=person, actor=user, reason=reason, settings=vigil.settings)
            )
            if paged.new:
                return md("Paging {} for {}. The channel hears when someone acknowledges.", paged.label, ref)
            return md("{} was already paged for {} ({}); nothing sent again.", paged.label, ref, paged.page.state.value)
        case Resolve(note=note):
            lifecycle.resolve(ctx, ref, actor=user, note=note, confirmed=False)
            return f"{ref} is resolved. Close it with `/incident close` once the follow-up is done."
        case Close(note=note):
            lifecycle.close(ctx, ref, actor=user, note=note)
            return f"{ref} is closed."
    raise AssertionError(f"unhandled request {request!r}; channel commands are {sorted(CHANNEL_COMMANDS)}")
