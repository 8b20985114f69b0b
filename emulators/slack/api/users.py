"""auth.test, users.* and usergroups.users.list — who is who in the workspace."""

from __future__ import annotations

from typing import Any

from emulators.slack.api.registry import Call, method, paginate
from emulators.slack.args import Args
from emulators.slack.errors import SlackError
from emulators.slack.serialize import user_json


@method("auth.test")
def auth_test(call: Call, args: Args) -> dict[str, Any]:
    """Identity of the bot token (bolt calls this at startup)."""
    return {
        "url": f"https://{call.ws.team_domain}.slack.com/",
        "team": call.ws.team_name,
        "user": call.ws.users[call.actor].name,
        "team_id": call.ws.team_id,
        "user_id": call.actor,
        "bot_id": call.ws.bot_id,
        "is_enterprise_install": False,
    }


@method("users.info")
def info(call: Call, args: Args) -> dict[str, Any]:
    """One user."""
    with call.ws.lock:
        return {"user": user_json(call.ws, call.ws.user(args.req("user", error="user_not_found")))}


@method("users.lookupByEmail")
def lookup_by_email(call: Call, args: Args) -> dict[str, Any]:
    """Find a user by email; note Slack's plural error users_not_found."""
    email = args.req("email").lower()
    with call.ws.lock:
        for user in call.ws.users.values():
            if (user.email or "").lower() == email and not user.deleted:
                return {"user": user_json(call.ws, user)}
    raise SlackError("users_not_found")


@method("users.list")
def list_(call: Call, args: Args) -> dict[str, Any]:
    """All members including the bot, paged."""
    with call.ws.lock:
        members = [user_json(call.ws, user) for user in call.ws.users.values()]
    page, meta = paginate(members, args, default_limit=1000)
    return {"members": page, "cache_ts": 0, "response_metadata": meta}


@method("usergroups.users.list")
def usergroup_users(call: Call, args: Args) -> dict[str, Any]:
    """Member ids of a user group created with emu.add_usergroup()."""
    with call.ws.lock:
        users = call.ws.usergroups.get(args.req("usergroup", error="no_such_subteam"))
    if users is None:
        raise SlackError("no_such_subteam")
    return {"users": list(users)}
