"""The ``vigil`` subcommands. Each one is a thin call into the domain inside one unit of work."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from incidents import actions, clocks, lifecycle, migrate, roles, timeline
from incidents.context import Ctx, Domain
from incidents.enums import ActionStatus
from incidents.errors import VigilError
from incidents.privacy.rescan import rescan
from incidents.queries import IncidentFilter, get_incident, list_incidents
from incidents.settings import load_settings
from incidents.tracker import tracker_configured
from vigil.cli import actions_sync, render
from vigil.cli import apikeys as apikeys_cli
from vigil.cli import parties as parties_cli
from vigil.cli import reviews as reviews_cli
from vigil.cli import web as web_cli


def _domain() -> Domain:
    return Domain.from_settings(load_settings())


def _in_unit(work: Callable[[Ctx, argparse.Namespace], Any]) -> Callable[[argparse.Namespace], int]:
    """Run ``work`` in one unit of work and print what it returns."""

    def handler(args: argparse.Namespace) -> int:
        domain = _domain()
        with domain.unit() as ctx:
            output = work(ctx, args)
        if output:
            print(render.printable(output, multiline=True))
        domain.engine.dispose()
        return 0

    return handler


class _SettleHandoff(Protocol):
    def __call__(self, ctx: Ctx, handoff_id: int, *, actor: str) -> object: ...


def _settle_handoff(settle: _SettleHandoff) -> Callable[[Ctx, argparse.Namespace], str]:
    """``accept-handoff`` / ``decline-handoff``: settle hand-off ``id`` with ``settle``."""

    def work(ctx: Ctx, a: argparse.Namespace) -> str:
        settle(ctx, a.id, actor=a.actor)
        return f"Hand-off #{a.id} settled."

    return work


def parse_time(value: str) -> datetime:
    """ISO 8601; a time without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r} (e.g. 2026-11-23T14:05Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


def _db(args: argparse.Namespace) -> int:
    url = load_settings().database_url
    if args.db_command == "upgrade":
        migrate.upgrade(url, args.revision)
    elif args.db_command == "downgrade":
        migrate.downgrade(url, args.revision)
    elif args.db_command == "revision":
        migrate.revision(url, args.message)
    else:
        migrate.current(url)
    return 0


def _declare(ctx: Ctx, a: argparse.Namespace) -> str:
    incident = lifecycle.declare(
        ctx,
        actor=a.actor,
        title=a.title,
        types=a.type,
        severity=lifecycle.parse_severity(a.severity),
        tier=lifecycle.parse_tier(a.tier),
        summary=a.summary,
        region=a.region,
        jurisdictions=a.jurisdiction,
        detection_source=a.source,
        occurred_at=a.occurred_at,
        detected_at=a.detected_at,
        commander=a.commander,
    )
    title = render.printable(incident.title)
    return f"Declared {incident.ref}: {title} ({incident.severity.value}, {incident.tier.value})"


def _list(ctx: Ctx, a: argparse.Namespace) -> str:
    found = list_incidents(
        ctx,
        IncidentFilter(
            open_only=not a.all,
            severities=tuple(lifecycle.parse_severity(s) for s in a.severity),
            types=tuple(a.type),
            regions=tuple(r.upper() for r in a.region),
            text=a.search,
        ),
        limit=a.limit,
    )
    return "\n".join(render.incident_row(i) for i in found) or "No incidents."


def _status(ctx: Ctx, a: argparse.Namespace) -> str:
    incident = lifecycle.change_status(ctx, a.ref, actor=a.actor, status=lifecycle.parse_status(a.status), note=a.note)
    return f"{incident.ref} is now {incident.status.value}."


def _role(ctx: Ctx, a: argparse.Namespace) -> str:
    if a.relieve:
        roles.relieve_role(ctx, a.ref, actor=a.actor, role=a.role, person=a.person)
        return f"{a.person} is no longer {a.role} on {a.ref.upper()}."
    roles.assign_role(ctx, a.ref, actor=a.actor, role=a.role, person=a.person)
    return f"{a.person} is now {a.role} on {a.ref.upper()}."


def _update(ctx: Ctx, a: argparse.Namespace) -> str:
    update = timeline.post_update(
        ctx,
        a.ref,
        actor=a.actor,
        summary=a.summary,
        status=lifecycle.parse_status(a.status) if a.status else None,
        impact=a.impact,
        next_steps=a.next_steps,
        next_update_in=timedelta(minutes=a.next_in) if a.next_in else None,
    )
    return f"Update posted; next due {render.when(update.next_update_due)}."


def _action_add(ctx: Ctx, a: argparse.Namespace) -> str:
    action = actions.add_action(
        ctx,
        a.ref,
        actor=a.actor,
        title=a.title,
        owner=a.owner,
        due_date=a.due,
        description=a.description,
        priority=actions.parse_priority(a.priority),
        category=actions.parse_category(a.category),
        tracked=tracker_configured(load_settings()),
    )
    return f"Action #{action.id} added to {a.ref.upper()}."


def _action_update(ctx: Ctx, a: argparse.Namespace) -> str:
    try:
        status = ActionStatus(a.status) if a.status else None
    except ValueError:
        raise VigilError(
            f"Unknown action status {a.status!r}: use one of {', '.join(s.value for s in ActionStatus)}."
        ) from None
    changes = actions.ActionChanges(
        title=a.title,
        status=status,
        **({"owner": a.owner} if a.owner is not None else {}),
        **({"due_date": a.due} if a.due is not None else {}),
    )
    action = actions.update_action(ctx, a.id, changes, actor=a.actor, tracked=tracker_configured(load_settings()))
    return f"Action #{action.id} is {action.status.value}."


def _clock(ctx: Ctx, a: argparse.Namespace) -> str:
    if a.clock_command == "start":
        started = clocks.start_clock(ctx, a.ref, actor=a.actor, regime=a.regime, trigger_at=a.at)
        return f"Clock #{started.id} {started.regime} due {render.when(started.due_at)}."
    met = clocks.satisfy_clock(
        ctx, a.ref, actor=a.actor, clock_id=a.id, regime=a.regime, reference_id=a.reference, at=a.at
    )
    return f"Clock #{met.id} {met.regime} {'met' if met.met else 'MISSED'}."


def _simple(verb: Callable[..., Any], message: str, **extra: str) -> Callable[[argparse.Namespace], int]:
    def work(ctx: Ctx, a: argparse.Namespace) -> str:
        verb(ctx, a.ref, actor=a.actor, **{k: getattr(a, v) for k, v in extra.items()})
        return message.format(ref=a.ref.upper())

    return _in_unit(work)


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """Handlers of the bot's commands, imported only when run (the domain never imports Slack libraries)."""

    def handler(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), name)(args))

    return handler


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="database schema (Alembic)")
    db.set_defaults(handler=_db)
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade").add_argument("revision", nargs="?", default="head")
    db_sub.add_parser("downgrade").add_argument("revision")
    db_sub.add_parser("current")
    db_sub.add_parser("revision").add_argument("-m", "--message", required=True)

    p = sub.add_parser("declare", help="declare an incident")
    p.add_argument("title")
    p.add_argument("--type", action="append", required=True, help="incident type (repeatable)")
    p.add_argument("--severity", required=True, help="SEV0..SEV4")
    p.add_argument("--tier", default="standard", help="standard | restricted | highly_restricted")
    p.add_argument("--summary", default="")
    p.add_argument("--region")
    p.add_argument("--jurisdiction", action="append", default=[])
    p.add_argument("--source", help="detection source")
    p.add_argument("--occurred-at", type=parse_time)
    p.add_argument("--detected-at", type=parse_time)
    p.add_argument("--commander")
    p.set_defaults(handler=_in_unit(_declare))

    p = sub.add_parser("list", help="list incidents (open ones unless --all)")
    p.add_argument("--all", action="store_true")
    p.add_argument("--severity", action="append", default=[])
    p.add_argument("--type", action="append", default=[])
    p.add_argument("--region", action="append", default=[])
    p.add_argument("--search")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(handler=_in_unit(_list))

    p = sub.add_parser("show", help="an incident with its roles, clocks, actions and timeline")
    p.add_argument("ref")
    p.set_defaults(handler=_in_unit(lambda ctx, a: render.incident_detail(get_incident(ctx, a.ref), ctx.now())))

    p = sub.add_parser("ack", help="acknowledge")
    p.add_argument("ref")
    p.set_defaults(handler=_simple(lifecycle.acknowledge, "{ref} acknowledged."))

    p = sub.add_parser("severity", help="change severity (with a reason)")
    p.add_argument("ref")
    p.add_argument("severity", type=lambda v: lifecycle.parse_severity(v))
    p.add_argument("--reason", required=True)
    p.set_defaults(
        handler=_simple(lifecycle.change_severity, "{ref} severity changed.", severity="severity", reason="reason")
    )

    p = sub.add_parser("tier", help="change sensitivity tier (with a reason)")
    p.add_argument("ref")
    p.add_argument("tier", type=lambda v: lifecycle.parse_tier(v))
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_simple(lifecycle.change_tier, "{ref} tier changed.", tier="tier", reason="reason"))

    p = sub.add_parser("status", help="move the incident to a status")
    p.add_argument("ref")
    p.add_argument("status")
    p.add_argument("--note", default="")
    p.set_defaults(handler=_in_unit(_status))

    for name, verb in (("resolve", lifecycle.resolve), ("close", lifecycle.close)):
        p = sub.add_parser(name, help=f"{name} the incident")
        p.add_argument("ref")
        p.add_argument("--note", default="")
        p.set_defaults(handler=_simple(verb, "{ref} " + name + "d.", note="note"))

    p = sub.add_parser("reopen", help="reopen a resolved incident")
    p.add_argument("ref")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_simple(lifecycle.reopen, "{ref} reopened.", reason="reason"))

    p = sub.add_parser("role", help="assign (or --relieve) a role")
    p.add_argument("ref")
    p.add_argument("role")
    p.add_argument("person")
    p.add_argument("--relieve", action="store_true")
    p.set_defaults(handler=_in_unit(_role))

    p = sub.add_parser("handoff", help="offer command to someone; they accept with accept-handoff")
    p.add_argument("ref")
    p.add_argument("person")
    p.set_defaults(
        handler=_in_unit(
            lambda ctx, a: f"Hand-off #{roles.handoff(ctx, a.ref, actor=a.actor, to=a.person).id} offered."
        )
    )
    for name, settle in (("accept-handoff", roles.accept_handoff), ("decline-handoff", roles.decline_handoff)):
        p = sub.add_parser(name)
        p.add_argument("id", type=int)
        p.set_defaults(handler=_in_unit(_settle_handoff(settle)))

    p = sub.add_parser("note", help="add a note to the timeline")
    p.add_argument("ref")
    p.add_argument("text")
    p.add_argument("--sensitive", action="store_true", help="content warning; left out of leadership reviews")
    p.add_argument("--at", type=parse_time, help="when it happened (default now)")
    p.set_defaults(
        handler=_simple(timeline.add_note, "Note added to {ref}.", text="text", sensitive="sensitive", at="at")
    )

    p = sub.add_parser("update", help="post a status update")
    p.add_argument("ref")
    p.add_argument("summary")
    p.add_argument("--status")
    p.add_argument("--impact", default="")
    p.add_argument("--next-steps", default="")
    p.add_argument("--next-in", type=int, help="minutes until the next update (default: severity cadence)")
    p.set_defaults(handler=_in_unit(_update))

    p = sub.add_parser("action", help="corrective actions")
    action_sub = p.add_subparsers(dest="action_command", required=True)
    add = action_sub.add_parser("add")
    add.add_argument("ref")
    add.add_argument("title")
    add.add_argument("--owner")
    add.add_argument("--due", type=parse_date)
    add.add_argument("--description", default="")
    add.add_argument("--priority", default="medium")
    add.add_argument("--category", default="prevent")
    add.set_defaults(handler=_in_unit(_action_add))
    upd = action_sub.add_parser("update")
    upd.add_argument("id", type=int)
    upd.add_argument("--title")
    upd.add_argument("--status")
    upd.add_argument("--owner")
    upd.add_argument("--due", type=parse_date)
    upd.set_defaults(handler=_in_unit(_action_update))

    p = sub.add_parser("clock", help="regulatory clocks")
    clock_sub = p.add_subparsers(dest="clock_command", required=True)
    start = clock_sub.add_parser("start")
    start.add_argument("ref")
    start.add_argument("regime")
    start.add_argument("--at", type=parse_time, help="when the organisation became aware (default now)")
    start.set_defaults(handler=_in_unit(_clock))
    sat = clock_sub.add_parser("satisfy")
    sat.add_argument("ref")
    sat.add_argument("--id", type=int)
    sat.add_argument("--regime")
    sat.add_argument("--reference", required=True, help="the report or notice id")
    sat.add_argument("--at", type=parse_time)
    sat.set_defaults(handler=_in_unit(_clock))
    apikeys_cli.register(sub)
    parties_cli.register(sub)
    redaction = sub.add_parser("redaction", help="personal-data detection kept with the text")
    redaction_sub = redaction.add_subparsers(dest="redaction_command", required=True)
    redaction_sub.add_parser(
        "rescan", help="detect personal data again in every row the current detector has not scanned"
    ).set_defaults(handler=_in_unit(lambda ctx, _args: rescan(ctx).message))
    actions_sync.register(sub)
    reviews_cli.register(sub)
    web_cli.register(sub)

    p = sub.add_parser("serve", help="run the Slack bot (Socket Mode; --http for HTTP mode)")
    p.add_argument("--http", action="store_true", help="serve Slack's requests at /slack/events instead")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(handler=_lazy("bot.serve", "serve"))
    p = sub.add_parser("demo", help="play a scripted incident against a local Slack emulator")
    p.set_defaults(handler=_lazy("vigil.demo", "demo"))
