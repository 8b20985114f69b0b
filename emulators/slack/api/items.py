"""pins.*, reactions.* and bookmarks.* — things attached to messages and channels."""

from __future__ import annotations

import time
from typing import Any

from emulators.slack.api.registry import Call, method
from emulators.slack.args import Args
from emulators.slack.errors import SlackError
from emulators.slack.models import Bookmark, Message, Pin
from emulators.slack.serialize import bookmark_json, message_json


def _target(call: Call, args: Args, ts_arg: str = "timestamp") -> Message:
    """The message a pin/reaction call points at; no timestamp means no_item_specified."""
    channel = call.ws.channel(args.req("channel", error="channel_not_found"))
    ts = args.req(ts_arg, error="no_item_specified")
    try:
        float(ts)
    except ValueError:
        raise SlackError("bad_timestamp") from None
    return call.ws.message(channel.id, ts)


@method("pins.add")
def pins_add(call: Call, args: Args) -> dict[str, Any]:
    """Pin a message."""
    with call.ws.lock:
        message = _target(call, args)
        pins = call.ws.pins.setdefault(message.channel, [])
        if any(p.ts == message.ts for p in pins):
            raise SlackError("already_pinned")
        pins.append(Pin(message.channel, message.ts, call.actor, int(time.time())))
    return {}


@method("pins.remove")
def pins_remove(call: Call, args: Args) -> dict[str, Any]:
    """Unpin a message."""
    with call.ws.lock:
        message = _target(call, args)
        pins = call.ws.pins.get(message.channel, [])
        if not any(p.ts == message.ts for p in pins):
            raise SlackError("no_pin")
        call.ws.pins[message.channel] = [p for p in pins if p.ts != message.ts]
    return {}


@method("pins.list")
def pins_list(call: Call, args: Args) -> dict[str, Any]:
    """Pinned messages of a channel."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel", error="channel_not_found"))
        items = [
            {
                "type": "message",
                "created": pin.created,
                "created_by": pin.created_by,
                "channel": channel.id,
                "message": message_json(call.ws, call.ws.message(channel.id, pin.ts)),
            }
            for pin in call.ws.pins.get(channel.id, [])
        ]
    return {"items": items}


def _emoji(args: Args) -> str:
    name = args.req("name", error="invalid_name").strip(":")
    if not name or " " in name:
        raise SlackError("invalid_name")
    return name


@method("reactions.add")
def reactions_add(call: Call, args: Args) -> dict[str, Any]:
    """Add the bot's reaction."""
    with call.ws.lock:
        message = _target(call, args)
        name = _emoji(args)
        users = message.reactions.setdefault(name, [])
        if call.actor in users:
            raise SlackError("already_reacted")
        users.append(call.actor)
    return {}


@method("reactions.remove")
def reactions_remove(call: Call, args: Args) -> dict[str, Any]:
    """Remove the bot's reaction."""
    with call.ws.lock:
        message = _target(call, args)
        name = _emoji(args)
        users = message.reactions.get(name, [])
        if call.actor not in users:
            raise SlackError("no_reaction")
        users.remove(call.actor)
        if not users:
            del message.reactions[name]
    return {}


@method("reactions.get")
def reactions_get(call: Call, args: Args) -> dict[str, Any]:
    """A message with its reactions."""
    with call.ws.lock:
        message = _target(call, args)
        return {"type": "message", "channel": message.channel, "message": message_json(call.ws, message)}


def _bookmark(call: Call, args: Args) -> Bookmark:
    channel = call.ws.channel(args.req("channel_id", error="channel_not_found"))
    bookmark_id = args.req("bookmark_id", error="invalid_bookmark_id")
    for bookmark in call.ws.bookmarks.get(channel.id, []):
        if bookmark.id == bookmark_id:
            return bookmark
    raise SlackError("invalid_bookmark_id")


@method("bookmarks.add")
def bookmarks_add(call: Call, args: Args) -> dict[str, Any]:
    """Add a link bookmark to a channel."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel_id", error="channel_not_found"))
        title = args.req("title")
        if args.req("type") != "link":
            raise SlackError("invalid_bookmark_type")
        link = args.req("link", error="invalid_link")
        now = int(time.time())
        bookmark = Bookmark(call.ws.new_id("Bk"), channel.id, title, link, args.opt("emoji"), now, now, call.actor)
        call.ws.bookmarks.setdefault(channel.id, []).append(bookmark)
        return {"bookmark": bookmark_json(bookmark, call.ws)}


@method("bookmarks.edit")
def bookmarks_edit(call: Call, args: Args) -> dict[str, Any]:
    """Change title, link or emoji of a bookmark."""
    with call.ws.lock:
        bookmark = _bookmark(call, args)
        bookmark.title = args.opt("title") or bookmark.title
        bookmark.link = args.opt("link") or bookmark.link
        bookmark.emoji = args.opt("emoji") or bookmark.emoji
        bookmark.updated, bookmark.updated_by = int(time.time()), call.actor
        return {"bookmark": bookmark_json(bookmark, call.ws)}


@method("bookmarks.remove")
def bookmarks_remove(call: Call, args: Args) -> dict[str, Any]:
    """Remove a bookmark."""
    with call.ws.lock:
        bookmark = _bookmark(call, args)
        call.ws.bookmarks[bookmark.channel].remove(bookmark)
    return {}


@method("bookmarks.list")
def bookmarks_list(call: Call, args: Args) -> dict[str, Any]:
    """Bookmarks of a channel."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel_id", error="channel_not_found"))
        return {"bookmarks": [bookmark_json(b, call.ws) for b in call.ws.bookmarks.get(channel.id, [])]}
