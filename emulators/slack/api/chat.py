"""chat.* — posting, editing, deleting messages, ephemeral messages and permalinks."""

from __future__ import annotations

from typing import Any

from emulators.slack.api.registry import Call, message_content, method
from emulators.slack.args import Args
from emulators.slack.errors import SlackError
from emulators.slack.models import Edit, Ephemeral, Message
from emulators.slack.serialize import message_json
from emulators.slack.state import Workspace


def resolve_channel(ws: Workspace, target: str | None) -> str:
    """chat.postMessage's `channel`: a conversation id, a user id (→ the bot's DM) or a channel name.

    Public channels are writable without joining (chat:write.public); private ones the bot is not in
    are invisible, so Slack answers channel_not_found.
    """
    if not target:
        raise SlackError("channel_not_found")
    with ws.lock:
        if target[0] in "UW" and target in ws.users:
            return ws.open_dm(target).id
        if target in ws.channels:
            channel = ws.channel(target)
        else:
            name = target.removeprefix("#")
            named = [c for c in ws.channels.values() if c.name == name and not c.is_im]
            channel = ws.channel(named[0].id if named else None)
        if channel.archived:
            raise SlackError("is_archived")
        return channel.id


def _metadata(args: Args) -> dict[str, Any] | None:
    """Message metadata must be {"event_type": str, "event_payload": object}."""
    metadata = args.structured("metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise SlackError("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(metadata.get("event_payload"), dict):
        raise SlackError("invalid_metadata_schema")
    return metadata


def _own_message(call: Call, args: Args, error: str) -> Message:
    """A message the bot posted (bots can only edit or delete their own)."""
    channel = call.ws.channel(args.req("channel", error="channel_not_found"))
    message = call.ws.message(channel.id, args.req("ts", error="message_not_found"))
    if message.user != call.actor:
        raise SlackError(error)
    return message


@method("chat.postMessage")
def post_message(call: Call, args: Args) -> dict[str, Any]:
    """Post as the app; stores unfurl flags and metadata so tests can check them."""
    text, blocks, attachments = message_content(args)
    metadata = _metadata(args)
    with call.ws.lock:
        channel_id = resolve_channel(call.ws, args.opt("channel"))
        thread_ts = args.opt("thread_ts")
        if thread_ts:
            parent = call.ws.message(channel_id, thread_ts, error="thread_not_found")
            thread_ts = parent.thread_ts or parent.ts
        message = Message(
            channel=channel_id,
            ts=call.ws.next_ts(),
            text=text,
            user=call.actor,
            bot_id=call.ws.bot_id,
            blocks=blocks,
            attachments=attachments,
            thread_ts=thread_ts,
            reply_broadcast=bool(thread_ts and args.flag("reply_broadcast")),
            unfurl_links=args.flag("unfurl_links", default=None),
            unfurl_media=args.flag("unfurl_media", default=None),
            metadata=metadata,
        )
        call.ws.messages[channel_id].append(message)
        return {"channel": channel_id, "ts": message.ts, "message": message_json(call.ws, message)}


@method("chat.update")
def update(call: Call, args: Args) -> dict[str, Any]:
    """Replace text/blocks of the bot's own message, keeping the previous version in `edits`."""
    text, blocks, attachments = message_content(args)
    with call.ws.lock:
        message = _own_message(call, args, "cant_update_message")
        message.edits.append(Edit(message.edited_ts or message.ts, message.text, message.blocks))
        message.text = text
        if blocks is not None or args.has("blocks"):
            message.blocks = blocks
        if attachments is not None:
            message.attachments = attachments
        message.edited_ts = call.ws.next_ts()
        if args.has("metadata"):
            message.metadata = _metadata(args)
        body = message_json(call.ws, message)
        return {"channel": message.channel, "ts": message.ts, "text": text, "message": body}


@method("chat.delete")
def delete(call: Call, args: Args) -> dict[str, Any]:
    """Delete the bot's own message (it disappears from history and from emu.messages)."""
    with call.ws.lock:
        message = _own_message(call, args, "cant_delete_message")
        call.ws.messages[message.channel].remove(message)
        call.ws.pins[message.channel] = [p for p in call.ws.pins.get(message.channel, []) if p.ts != message.ts]
    return {"channel": message.channel, "ts": message.ts}


@method("chat.postEphemeral")
def post_ephemeral(call: Call, args: Args) -> dict[str, Any]:
    """A message only `user` sees; Slack requires that user to be in the channel."""
    text, blocks, _ = message_content(args)
    with call.ws.lock:
        channel_id = resolve_channel(call.ws, args.opt("channel"))
        user_id = args.req("user", error="user_not_in_channel")
        if user_id not in call.ws.channels[channel_id].members:
            raise SlackError("user_not_in_channel")
        ts = call.ws.next_ts()
        call.ws.ephemerals.append(Ephemeral(channel_id, user_id, ts, text, blocks, args.opt("thread_ts")))
    return {"message_ts": ts}


@method("chat.getPermalink")
def get_permalink(call: Call, args: Args) -> dict[str, Any]:
    """A permalink in Slack's format (thread replies carry thread_ts and cid)."""
    with call.ws.lock:
        channel = call.ws.channel(args.req("channel", error="channel_not_found"))
        message = call.ws.message(channel.id, args.req("message_ts", error="message_not_found"))
    link = f"https://{call.ws.team_domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}
