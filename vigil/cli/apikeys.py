"""``vigil api-keys create|list|revoke``: the operator's side of the intake API's credentials."""

from __future__ import annotations

import argparse

from incidents.apikeys import service as apikeys
from incidents.context import Ctx
from vigil.cli.database import acting, reading
from vigil.cli.parser import Definition
from vigil.cli.terminal import when
from vigil.cli.values import parsed_by, positive


def _create(ctx: Ctx, a: argparse.Namespace) -> str:
    key, token = apikeys.create_key(
        ctx,
        actor=a.actor,
        name=a.name,
        scopes=a.scopes,
        all_tiers=a.all_tiers,
        rate_per_minute=a.rate_per_minute,
    )
    limits = "standard incidents only" if key.standard_only else "all incidents"
    return (
        f"Created API key {key.name!r} ({', '.join(key.scopes)}; {limits}; {key.rate_per_minute} calls/minute).\n"
        f"Token (shown once; send it as 'Authorization: Bearer <token>'):\n{token}"
    )


def _list(ctx: Ctx, _a: argparse.Namespace) -> str:
    rows = [
        f"{k.name:<20} {k.prefix}  {','.join(k.scopes):<31} {'standard-only' if k.standard_only else 'all-tiers':<13} "
        f"{k.rate_per_minute:>5}/min  used {when(k.last_used_at)}"
        f"{'  REVOKED ' + when(k.revoked_at) if k.revoked_at else ''}"
        for k in apikeys.list_keys(ctx)
    ]
    return "\n".join(rows) or "No API keys."


def _revoke(ctx: Ctx, a: argparse.Namespace) -> str:
    key = apikeys.revoke_key(ctx, a.name, actor=a.actor)
    return f"Revoked API key {key.name!r}; calls with it are refused from now on."


def _define_api_keys(p: argparse.ArgumentParser) -> None:
    steps = p.add_subparsers(dest="api_keys_command", required=True, metavar="STEP", title="steps")
    create = steps.add_parser("create", help="create a key and print its token once")
    create.add_argument("--name", required=True, help="e.g. hotline; calls are audited as api:<name>")
    create.add_argument(
        "--scopes",
        required=True,
        type=parsed_by(apikeys.parse_scopes),
        help=f"comma-separated: {', '.join(apikeys.SCOPES)}",
    )
    tiers = create.add_mutually_exclusive_group()
    tiers.add_argument("--all-tiers", action="store_true", help="may also see and declare restricted incidents")
    tiers.add_argument("--standard-only", action="store_true", help="standard incidents only (the default)")
    create.add_argument(
        "--rate-per-minute",
        type=positive,
        default=apikeys.DEFAULT_RATE_PER_MINUTE,
        metavar="CALLS",
        help=f"calls a minute before it is told to slow down (default {apikeys.DEFAULT_RATE_PER_MINUTE})",
    )
    create.set_defaults(handler=acting(_create))
    steps.add_parser("list", help="keys with their scopes and last use").set_defaults(handler=reading(_list))
    revoke = steps.add_parser("revoke", help="refuse the key from now on")
    revoke.add_argument("name", help="the key's name, as `vigil api-keys list` shows it")
    revoke.set_defaults(handler=acting(_revoke))


DEFINITIONS: dict[str, Definition] = {"api-keys": _define_api_keys}
