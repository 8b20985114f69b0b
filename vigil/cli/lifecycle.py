"""``vigil declare``, ``ack``, ``severity``, ``tier``, ``reclassify``, ``status``, ``resolve``, ``close`` and
``reopen``: an incident through its life. Each confirmation says what changed (from → to), which clocks started and
when the next update is due, read from the incident once the change is made."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from incidents import lifecycle, provisioning
from incidents.context import Ctx
from incidents.enums import Severity, Status, Tier
from incidents.errors import VigilError
from incidents.models import Incident
from incidents.people import display, resolve_person
from incidents.policy import Policy
from incidents.queries import incident_to_change
from incidents.severity_guidance import SeverityAnswers, suggest
from vigil.cli import render
from vigil.cli.database import Work, acting
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.resolving import asking_first
from vigil.cli.terminal import printable
from vigil.cli.values import one_of, parsed_by, policy, time


def _declare(ctx: Ctx, a: argparse.Namespace) -> str:
    answers = _guidance(a)
    incident = lifecycle.declare(
        ctx,
        actor=a.actor,
        title=a.title,
        types=a.type,
        severity=a.severity,
        tier=a.tier,
        summary=a.summary,
        region=a.region,
        jurisdictions=a.jurisdiction,
        detection_source=a.source,
        occurred_at=a.occurred_at,
        detected_at=a.detected_at,
        commander=resolve_person(ctx, a.commander) if a.commander else None,
        in_slack=a.slack,
        guidance=answers,
    )
    lines = [
        f"Declared {incident.ref}: {printable(incident.title)} ({incident.severity.value}, {incident.tier.value}); "
        f"commander {printable(display(ctx, incident.commander))}."
    ]
    if incident.tier is not a.tier:
        lines.append(f"Tier raised from {a.tier.value} to {incident.tier.value}: its types require it.")
    if answers is not None:
        lines.append(f"Severity {incident.severity.value}: {suggest(ctx.policy, answers).beside(incident.severity)}.")
    lines.append(render.clocks_started(incident.clocks))
    lines.append(render.next_update(incident, ctx.policy))
    if a.slack:
        lines.append("Its Slack channel opens once the bot runs.")
    else:
        lines.append(f"It stays out of Slack; `vigil provision {incident.ref}` opens its channel.")
    return "\n".join(lines)


def _severity(ctx: Ctx, a: argparse.Namespace) -> str:
    before = incident_to_change(ctx, a.ref).severity
    incident = lifecycle.change_severity(ctx, a.ref, actor=a.actor, severity=a.severity, reason=a.reason)
    return (
        f"{incident.ref} severity {before.value} → {incident.severity.value}. "
        f"{render.next_update(incident, ctx.policy)}"
    )


def _tier(ctx: Ctx, a: argparse.Namespace) -> str:
    before = incident_to_change(ctx, a.ref).tier
    incident = lifecycle.change_tier(ctx, a.ref, actor=a.actor, tier=a.tier, reason=a.reason)
    said = f"{incident.ref} tier {before.value} → {incident.tier.value}."
    if incident.slack_channel_id is not None and not before.is_restricted and incident.tier.is_restricted:
        said += (
            f"\nIts Slack channel {incident.slack_channel_id} may have been opened public, for a {before.value} "
            "incident, and Slack lets no app make a channel private: if it is public, open a private channel for "
            "the responders and archive this one."
        )
    return said


def _reclassify(ctx: Ctx, a: argparse.Namespace) -> str:
    done = lifecycle.reclassify(ctx, a.ref, actor=a.actor, types=a.type, jurisdictions=a.jurisdiction, reason=a.reason)
    ref, added = done.incident.ref, len(done.tasks)
    steps = (
        f"{added} playbook step{'' if added == 1 else 's'} added: `vigil tasks {ref}` lists them."
        if added
        else "No playbook steps added."
    )
    return f"{ref} {done.change}.\n{render.clocks_started(done.clocks)}\n{steps}"


def _provision(ctx: Ctx, a: argparse.Namespace) -> str:
    incident = provisioning.provision(ctx, a.ref, actor=a.actor)
    return f"{incident.ref} goes into Slack: its channel opens once the bot runs."


def _moving(change: Callable[[Ctx, argparse.Namespace], Incident], done: str = "") -> Work:
    """A command that moves the incident's status: says from → to, and what it means for updates."""

    def work(ctx: Ctx, a: argparse.Namespace) -> str:
        before = incident_to_change(ctx, a.ref).status
        incident = change(ctx, a)
        moved = f"status {before.value} → {incident.status.value}" if incident.status is not before else ""
        said = "; ".join(filter(None, (done, moved)))
        return f"{incident.ref} {said}. {render.next_update(incident, ctx.policy)}"

    return work


def _guidance(a: argparse.Namespace) -> SeverityAnswers | None:
    if bool(a.harm) != bool(a.imminence):
        raise VigilError("Give both --harm and --imminence for a suggested severity, or neither.")
    return SeverityAnswers(a.harm, a.imminence) if a.harm else None


def _define_declare(p: argparse.ArgumentParser) -> None:
    pack = policy()
    p.add_argument("title", help="what is happening, in a line")
    _types_option(p, pack, "incident type", required=True)
    p.add_argument(
        "--severity", required=True, type=parsed_by(lifecycle.parse_severity), help=f"one of {one_of(Severity)}"
    )
    p.add_argument(
        "--tier",
        default=Tier.STANDARD,
        type=parsed_by(lifecycle.parse_tier),
        help=f"sensitivity: {one_of(Tier)} (default standard; some types raise it)",
    )
    guidance = pack.severity_guidance
    if guidance is not None:
        for flag, answers, question in (
            ("--harm", guidance.harm, "how bad the harm is"),
            ("--imminence", guidance.imminence, "how soon"),
        ):
            p.add_argument(
                flag,
                choices=list(answers),
                metavar=flag.removeprefix("--").upper(),
                help=f"severity guidance, {question}: {one_of(answers)}; the suggestion is recorded beside --severity",
            )
    p.set_defaults(harm=None, imminence=None)
    p.add_argument("--summary", default="", help="what is known so far")
    p.add_argument("--region", metavar="REGION", help=f"one of {one_of(pack.regions)}")
    _jurisdictions_option(p, pack, "starts only the clocks of these", "(default: all that apply)", default=[])
    p.add_argument("--source", help="how it was detected, e.g. 'user reports' or 'trust-and-safety hotline'")
    p.add_argument("--occurred-at", type=time, metavar="TIME", help="when it began, ISO 8601 (default unknown)")
    p.add_argument(
        "--detected-at",
        type=time,
        metavar="TIME",
        help="when it was detected, ISO 8601 (default now); clocks run from it",
    )
    p.add_argument("--commander", metavar="PERSON", help="who commands it (default: you, --as)")
    p.add_argument("--slack", action="store_true", help="open its Slack channel too (default: terminal only)")
    p.set_defaults(handler=acting(_declare))


def _define_reclassify(p: argparse.ArgumentParser) -> None:
    pack = policy()
    p.add_argument("ref", help=REF_HELP)
    _types_option(p, pack, "its types from now on (replacing them all)", required=False)
    _jurisdictions_option(p, pack, "its jurisdictions from now on", "(replacing them all)", default=None)
    p.add_argument("--reason", required=True, help=WHY)
    p.set_defaults(handler=acting(_reclassify))


def _types_option(p: argparse.ArgumentParser, pack: Policy, what: str, *, required: bool) -> None:
    p.add_argument(
        "--type", action="append", required=required, metavar="TYPE", help=f"{what}, repeatable: {one_of(pack.types)}"
    )


def _jurisdictions_option(
    p: argparse.ArgumentParser, pack: Policy, what: str, after: str, *, default: list[str] | None
) -> None:
    known = lifecycle.known_jurisdictions(pack)
    p.add_argument(
        "--jurisdiction",
        action="append",
        default=default,
        type=str.upper,
        choices=known,
        metavar="CODE",
        help=f"repeatable; {what}: {one_of(known)} {after}",
    )


def _definition(
    work: Work,
    *,
    value: tuple[str, Callable[[str], object], str] | None = None,
    note: bool = False,
    reason: str | None = None,
    may_resolve: bool = False,
) -> Definition:
    """``REF`` and, as the command needs them, the new value, ``--note`` or a required ``--reason``; a command that
    ``may_resolve`` lists the work a resolve would leave open when it refuses (:func:`asking_first`)."""

    def define(p: argparse.ArgumentParser) -> None:
        p.add_argument("ref", help=REF_HELP)
        if value is not None:
            name, parse, values = value
            p.add_argument(name, type=parsed_by(parse), help=f"the new {name}: {values}")
        if note:
            p.add_argument("--note", default="", help="a note for the timeline")
        if reason is not None:
            p.add_argument("--reason", required=True, help=reason)
        p.set_defaults(handler=asking_first(acting(work)) if may_resolve else acting(work))

    return define


def _define_resolve(p: argparse.ArgumentParser) -> None:
    _definition(
        _moving(lambda ctx, a: lifecycle.resolve(ctx, a.ref, actor=a.actor, note=a.note, confirmed=a.yes)),
        note=True,
        may_resolve=True,
    )(p)
    p.add_argument(
        "--yes",
        action="store_true",
        help="resolve even with playbook steps, referrals or clocks still open (without it they are listed, and "
        "nothing changes)",
    )


WHY = "why (the timeline and the review keep it)"
DEFINITIONS: dict[str, Definition] = {
    "declare": _define_declare,
    "ack": _definition(_moving(lambda ctx, a: lifecycle.acknowledge(ctx, a.ref, actor=a.actor), done="acknowledged")),
    "severity": _definition(_severity, value=("severity", lifecycle.parse_severity, one_of(Severity)), reason=WHY),
    "tier": _definition(_tier, value=("tier", lifecycle.parse_tier, one_of(Tier)), reason=WHY),
    "reclassify": _define_reclassify,
    "status": _definition(
        _moving(
            lambda ctx, a: lifecycle.change_status(
                ctx, a.ref, actor=a.actor, status=a.status, note=a.note, confirmed=False
            )
        ),
        value=("status", lifecycle.parse_status, one_of(Status)),
        note=True,
        may_resolve=True,
    ),
    "resolve": _define_resolve,
    "close": _definition(_moving(lambda ctx, a: lifecycle.close(ctx, a.ref, actor=a.actor, note=a.note)), note=True),
    "provision": _definition(_provision),
    "reopen": _definition(
        _moving(lambda ctx, a: lifecycle.reopen(ctx, a.ref, actor=a.actor, reason=a.reason)), reason=WHY
    ),
}
