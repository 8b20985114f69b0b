"""Records rendered as the JSON objects Slack returns (keys and types follow shared/slack/samples)."""

from __future__ import annotations

from typing import Any

from emulators.slack.models import Bookmark, Channel, File, Message, User, View
from emulators.slack.state import Workspace


def channel_json(ws: Workspace, channel: Channel) -> dict[str, Any]:
    """A conversation object as conversations.info/create/list return it."""
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.dm_user,
            "is_user_deleted": False,
            "priority": 0,
        }
    return {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": channel.archived,
        "is_general": False,
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": ws.team_id,
        "updated": channel.created * 1000,
        "creator": channel.creator,
        "is_member": ws.bot_user_id in channel.members,
        "topic": {"value": channel.topic, "creator": "", "last_set": 0},
        "purpose": {"value": channel.purpose, "creator": "", "last_set": 0},
        "previous_names": [],
        "num_members": len(channel.members),
    }


def user_json(ws: Workspace, user: User) -> dict[str, Any]:
    """A user object as users.info / users.list / users.lookupByEmail return it."""
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": ws.team_id,
        "image_48": "https://a.slack-edge.com/80588/img/avatars/user_shapes/ava_0001-48.png",
    }
    if user.email:
        profile["email"] = user.email
    if user.is_bot:
        profile.update(bot_id=ws.bot_id, api_app_id=ws.app_id, always_active=True)
    return {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": "Coordinated Universal Time",
        "tz_offset": 0,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 0,
    }


def message_json(ws: Workspace, message: Message) -> dict[str, Any]:
    """A message object as chat.postMessage and conversations.history/replies return it."""
    body: dict[str, Any] = {"type": "message", "text": message.text, "user": message.user, "ts": message.ts}
    body["team"] = ws.team_id
    if message.bot_id:
        body.update(bot_id=message.bot_id, app_id=ws.app_id)
        body["bot_profile"] = {"id": ws.bot_id, "app_id": ws.app_id, "name": "Vigil", "team_id": ws.team_id}
    if message.blocks is not None:
        body["blocks"] = message.blocks
    if message.attachments is not None:
        body["attachments"] = message.attachments
    if message.metadata is not None:
        body["metadata"] = message.metadata
    if message.files:
        body["files"] = [{"id": file_id} for file_id in message.files]
    if message.edited_ts:
        body["edited"] = {"user": message.user, "ts": message.edited_ts}
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
        if message.thread_ts != message.ts:
            body["parent_user_id"] = ws.message(message.channel, message.thread_ts).user
    replies = [m for m in ws.messages.get(message.channel, []) if m.thread_ts == message.ts and m.ts != message.ts]
    if replies:
        body.update(thread_ts=message.ts, reply_count=len(replies), latest_reply=replies[-1].ts)
        body["reply_users"] = sorted({m.user for m in replies})
        body["reply_users_count"] = len(body["reply_users"])
    if message.reactions:
        body["reactions"] = [
            {"name": name, "users": list(users), "count": len(users)} for name, users in message.reactions.items()
        ]
    return body


def view_json(ws: Workspace, view: View) -> dict[str, Any]:
    """A view object as views.open/push/update/publish return it and as interaction payloads embed it."""
    spec = view.view
    body: dict[str, Any] = {
        "id": view.id,
        "team_id": ws.team_id,
        "type": view.type,
        "blocks": spec.get("blocks", []),
        "private_metadata": spec.get("private_metadata", ""),
        "callback_id": spec.get("callback_id", ""),
        "state": {"values": view.state},
        "hash": view.hash,
        "title": spec.get("title"),
        "clear_on_close": bool(spec.get("clear_on_close", False)),
        "notify_on_close": bool(spec.get("notify_on_close", False)),
        "close": spec.get("close"),
        "submit": spec.get("submit"),
        "previous_view_id": view.previous_view_id,
        "root_view_id": view.root_view_id,
        "app_id": ws.app_id,
        "external_id": view.external_id or "",
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    if view.type == "home":
        body.pop("close")
        body.pop("submit")
    return body


def bookmark_json(bookmark: Bookmark, ws: Workspace) -> dict[str, Any]:
    """A bookmark object as bookmarks.add/edit/list return it."""
    return {
        "id": bookmark.id,
        "channel_id": bookmark.channel,
        "title": bookmark.title,
        "link": bookmark.link,
        "emoji": bookmark.emoji,
        "icon_url": None,
        "type": "link",
        "entity_id": None,
        "date_created": bookmark.created,
        "date_updated": bookmark.updated,
        "rank": "U",
        "last_updated_by_user_id": bookmark.updated_by,
        "last_updated_by_team_id": ws.team_id,
        "shortcut_id": None,
        "app_id": ws.app_id,
    }


def file_json(ws: Workspace, file: File, base_url: str) -> dict[str, Any]:
    """A file object as files.completeUploadExternal returns it."""
    url = f"{base_url}files-pri/{ws.team_id}-{file.id}/{file.name}"
    return {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title or file.name,
        "mimetype": "application/octet-stream",
        "filetype": file.name.rsplit(".", 1)[-1] if "." in file.name else "binary",
        "user": file.user,
        "user_team": ws.team_id,
        "size": len(file.content or b""),
        "mode": "hosted",
        "is_external": False,
        "is_public": any(not ws.channels[c].is_private for c in file.channels if c in ws.channels),
        "display_as_bot": False,
        "url_private": url,
        "url_private_download": url,
        "permalink": f"https://{ws.team_domain}.slack.com/files/{file.user}/{file.id}/{file.name}",
        "channels": [c for c in file.channels if c.startswith("C") and not ws.channels[c].is_private],
        "groups": [c for c in file.channels if c.startswith("C") and ws.channels[c].is_private],
        "ims": [c for c in file.channels if c.startswith("D")],
        "alt_txt": file.alt_txt,
    }
