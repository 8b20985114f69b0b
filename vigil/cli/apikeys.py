"""``vigil api-keys create|list|revoke``: the operator's side of the intake API's credentials."""

from __future__ import annotations

import argparse
from typing import Any

from incidents import apikeys
from incidents.context import Ctx
from vigil.cli import render


def _create(ctx: Ctx, a: argparse.Namespace) -> str:
    key, token = apikeys.create_key(
        ctx,
        actor=a.actor,
        name=a.name,
        scopes=apikeys.parse_scopes(a.scopes),
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
        f"{k.rate_per_minute:>5}/min  used {render.when(k.last_used_at)}"
        f"{'  REVOKED ' + render.when(k.revoked_at) if k.revoked_at else ''}"
        for k in apikeys.list_keys(ctx)
    ]
    return "\n".join(rows) or "No API keys."


def _revoke(ctx: Ctx, a: argparse.Namespace) -> str:
    key = apikeys.revoke_key(ctx, a.name, actor=a.actor)
    return f"Revoked API key {key.name!r}; calls with it are refused from now on."


def register(sub: Any) -> None:
    from vigil.cli.commands import _in_unit

    p = sub.add_parser("api-keys", help="keys for the intake API (/api/v1)")
    keys_sub = p.add_subparsers(dest="api_keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key and print its token once")
    create.add_argument("--name", required=True, help="e.g. hotline; calls are audited as api:<name>")
    create.add_argument("--scopes", required=True, help=f"comma-separated: {', '.join(apikeys.SCOPES)}")
    tiers = create.add_mutually_exclusive_group()
    tiers.add_argument("--all-tiers", action="store_true", help="may also see and declare restricted incidents")
    tiers.add_argument("--standard-only", action="store_true", help="standard incidents only (the default)")
    create.add_argument("--rate-per-minute", type=int, default=apikeys.DEFAULT_RATE_PER_MINUTE)
    create.set_defaults(handler=_in_unit(_create))
    keys_sub.add_parser("list", help="keys with their scopes and last use").set_defaults(handler=_in_unit(_list))
    revoke = keys_sub.add_parser("revoke", help="refuse the key from now on")
    revoke.add_argument("name")
    revoke.set_defaults(handler=_in_unit(_revoke))
