"""conversations.* — channel lifecycle, membership, topic/purpose and reading history."""

from __future__ import annotations

import re
from typing import Any

from emulators.slack.api.registry import Call, method, paginate
from emulators.slack.args import Args
from emulators.slack.errors import SlackError
from emulators.slack.models import Channel, Message
from emulators.slack.serialize import channel_json, message_json

_NAME = re.compile(r"^[a-z0-9_\-\u00c0-\uffff]+$")


def _check_name(call: Call, name: str | None) -> str:
    """Slack's channel-name rules, with its specific error for each way a name can be wrong."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if not _NAME.match(name) or name != name.lower():
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    if any(c.name == name and not c.is_im for c in call.ws.channels.values()):
        raise SlackError("name_taken")
    return name


def _writable(call: Call, args: Args, member: bool = True) -> Channel:
    """A channel the bot may change: visible, not archived, and (usually) joined."""
    channel = call.ws.channel(args.req("channel", error="channel_not_found"))
    if channel.archived:
        raise SlackError("is_archived")
    if member and call.actor not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def _channel_reply(call: Call, channel: Channel) -> dict[str, Any]:
    return {"channel": channel_json(call.ws, channel)}


@method("conversations.create")
def create(call: Call, args: Args) -> dict[str, Any]:
    """Create a channel; the bot becomes its creator and first member."""
    with call.ws.lock:
        name = _check_name(call, args.opt("name"))
        channel_id = call.ws.add_channel(name, bool(args.flag("is_private")), {call.actor}, call.actor)
        return _channel_reply(call, call.ws.channels[channel_id])


@method("conversations.rename")
def rename(call: Call, args: Args) -> dict[str, Any]:
    """Rename a channel the bot is in."""
    with call.ws.lock:
        channel = _writable(call, args)
        channel.name = _check_name(call, args.opt("name"))
        return _channel_reply(call, channel)


@method("conversations.info")
def info(call: Call, args: Args) -> dict[str, Any]:
    """One conversation."""
    with call.ws.lock:
        return _channel_reply(call, call.ws.channel(args.req("channel", error="channel_not_found")))


@method("conversations.list")
def list_(call: Call, args: Args) -> dict[str, Any]:
    """Conversations the bot can see, filtered by types and paged by cursor."""
    types = set(args.csv("types") or ["public_channel"])
    unknown = types - {"public_channel", "private_channel", "mpim", "im"}
    if unknown:
        raise SlackError("invalid_types")
    exclude_archived = args.flag("exclude_archived")
    with call.ws.lock:
        found = []
        for channel in call.ws.channels.values():
            kind = "im" if channel.is_im else "private_channel" if channel.is_private else "public_channel"
            hidden = channel.is_private and call.actor not in channel.members
            if kind in types and not hidden and not (exclude_archived and channel.archived):
                found.append(channel_json(call.ws, channel))
    page, meta = paginate(found, args)
    return {"channels": page, "response_metadata": meta}


@method("conversations.members")
def members(call: Call, args: Args) -> dict[str, Any]:
    """Member ids of a conversation, paged."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel", error="channel_not_found"))
        page, meta = paginate(sorted(channel.members), args)
    return {"members": page, "response_metadata": meta}


@method("conversations.invite")
def invite(call: Call, args: Args) -> dict[str, Any]:
    """Add users; without force=true one bad user fails the whole call, as in Slack. With force=true the bad ones
    are skipped and listed in `errors`, but a call that adds nobody (all already members, say) still fails."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel", error="channel_not_found"))
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.archived:
            raise SlackError("is_archived")
        if call.actor not in channel.members:
            raise SlackError("not_in_channel")
        users = args.csv("users")
        if not users:
            raise SlackError("no_user")
        if len(users) > 1000:
            raise SlackError("too_many_users")
        errors: list[dict[str, Any]] = []
        for user_id in users:
            error = None
            if user_id not in call.ws.users or call.ws.users[user_id].deleted:
                error = "user_not_found"
            elif user_id == call.actor:
                error = "cant_invite_self"
            elif user_id in channel.members:
                error = "already_in_channel"
            if error:
                errors.append({"user": user_id, "ok": False, "error": error})
        if errors and (not args.flag("force") or len(errors) == len(users)):
            raise SlackError(errors[0]["error"], errors=errors)
        failed = {e["user"] for e in errors}
        channel.members |= {u for u in users if u not in failed}
        reply = _channel_reply(call, channel)
    if errors:
        reply["errors"] = errors
    return reply


@method("conversations.kick")
def kick(call: Call, args: Args) -> dict[str, Any]:
    """Remove a member."""
    with call.ws.lock:
        channel = _writable(call, args)
        user_id = args.req("user", error="user_not_found")
        call.ws.user(user_id)
        if user_id == call.actor:
            raise SlackError("cant_kick_self")
        if user_id not in channel.members:
            raise SlackError("not_in_channel")
        channel.members.discard(user_id)
    return {"errors": {}}


def _set_text(call: Call, args: Args, key: str) -> dict[str, Any]:
    """setTopic/setPurpose: at most 250 characters."""
    with call.ws.lock:
        channel = _writable(call, args)
        value = args.opt(key) or ""
        if len(value) > 250:
            raise SlackError("too_long")
        setattr(channel, key, value)
        return _channel_reply(call, channel)


@method("conversations.setTopic")
def set_topic(call: Call, args: Args) -> dict[str, Any]:
    """Set the channel topic."""
    return _set_text(call, args, "topic")


@method("conversations.setPurpose")
def set_purpose(call: Call, args: Args) -> dict[str, Any]:
    """Set the channel purpose (description)."""
    return _set_text(call, args, "purpose")


@method("conversations.archive")
def archive(call: Call, args: Args) -> dict[str, Any]:
    """Archive a channel; it keeps its name (still name_taken) and history."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel", error="channel_not_found"))
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.archived:
            raise SlackError("already_archived")
        if call.actor not in channel.members:
            raise SlackError("not_in_channel")
        channel.archived = True
    return {}


@method("conversations.unarchive")
def unarchive(call: Call, args: Args) -> dict[str, Any]:
    """Reverse conversations.archive."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel", error="channel_not_found"))
        if not channel.archived:
            raise SlackError("not_archived")
        channel.archived = False
    return {}


@method("conversations.join")
def join(call: Call, args: Args) -> dict[str, Any]:
    """Join a public channel; a repeat join answers ok with an already_in_channel warning."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel", error="channel_not_found"))
        if channel.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.archived:
            raise SlackError("is_archived")
        already = call.actor in channel.members
        channel.members.add(call.actor)
        reply = _channel_reply(call, channel)
    if already:
        reply.update(warning="already_in_channel", response_metadata={"warnings": ["already_in_channel"]})
    return reply


@method("conversations.open")
def open_(call: Call, args: Args) -> dict[str, Any]:
    """Open (or find) the bot's DM with one user; multi-person DMs are not emulated."""
    users = args.csv("users")
    if args.has("channel"):
        with call.ws.lock:
            return {"channel": {"id": call.ws.channel(args.opt("channel")).id}}
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        raise SlackError("not_supported", detail="the emulator only opens 1:1 DMs")
    with call.ws.lock:
        call.ws.user(users[0])
        existed = any(c.is_im and c.dm_user == users[0] for c in call.ws.channels.values())
        channel = call.ws.open_dm(users[0])
        body = channel_json(call.ws, channel) if args.flag("return_im") else {"id": channel.id}
    return {"channel": body, **({"no_op": True, "already_open": True} if existed else {})}


def _readable(call: Call, args: Args) -> Channel:
    """History needs membership: bots get not_in_channel even for public channels."""
    channel = call.ws.channel(args.req("channel", error="channel_not_found"))
    if call.actor not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def _ts_arg(args: Args, name: str, error: str) -> float | None:
    value = args.opt(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise SlackError(error) from None


def _in_range(message: Message, oldest: float | None, latest: float | None, inclusive: bool) -> bool:
    ts = float(message.ts)
    above = oldest is None or ts > oldest or (inclusive and ts == oldest)
    below = latest is None or ts < latest or (inclusive and ts == latest)
    return above and below


@method("conversations.history")
def history(call: Call, args: Args) -> dict[str, Any]:
    """Top-level messages (and broadcast replies), newest first."""
    oldest = _ts_arg(args, "oldest", "invalid_ts_oldest")
    latest = _ts_arg(args, "latest", "invalid_ts_latest")
    inclusive = bool(args.flag("inclusive"))
    with call.ws.lock:
        channel = _readable(call, args)
        found = [
            message_json(call.ws, m)
            for m in reversed(call.ws.messages[channel.id])
            if (m.thread_ts in (None, m.ts) or m.reply_broadcast) and _in_range(m, oldest, latest, inclusive)
        ]
        pin_count = len(call.ws.pins.get(channel.id, []))
    page, meta = paginate(found, args)
    return {
        "messages": page,
        "has_more": bool(meta["next_cursor"]),
        "pin_count": pin_count,
        "response_metadata": meta,
    }


@method("conversations.replies")
def replies(call: Call, args: Args) -> dict[str, Any]:
    """A thread: the parent then its replies, oldest first."""
    with call.ws.lock:
        channel = _readable(call, args)
        parent = call.ws.message(channel.id, args.req("ts", error="thread_not_found"), error="thread_not_found")
        thread = [m for m in call.ws.messages[channel.id] if m is parent or m.thread_ts == parent.ts]
        found = [message_json(call.ws, m) for m in thread]
    page, meta = paginate(found, args, default_limit=1000)
    return {"messages": page, "has_more": bool(meta["next_cursor"]), "response_metadata": meta}
