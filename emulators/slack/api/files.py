"""files.getUploadURLExternal / files.completeUploadExternal — Slack's two-step upload.

Step 2 (POSTing the bytes to the upload URL) is served by the emulator's HTTP server, which fills in
File.content; completing an upload whose bytes never arrived fails like Slack does.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from emulators.slack.api.chat import resolve_channel
from emulators.slack.api.registry import Call, method
from emulators.slack.args import Args
from emulators.slack.errors import SlackError, invalid_arguments
from emulators.slack.models import File, Message
from emulators.slack.serialize import file_json


@method("files.getUploadURLExternal")
def get_upload_url(call: Call, args: Args) -> dict[str, Any]:
    """Reserve a file id and hand out a one-off upload URL on this emulator."""
    name = args.req("filename")
    length = args.integer("length", -1)
    if length < 1:
        raise invalid_arguments(["[ERROR] missing required field: length"])
    upload_key = secrets.token_urlsafe(16)
    with call.ws.lock:
        file = File(call.ws.new_id("F"), name, length, call.actor, int(time.time()), alt_txt=args.opt("alt_txt"))
        call.ws.files[file.id] = file
        call.ws.uploads[upload_key] = file.id
    return {"upload_url": f"{call.base_url}upload/v1/{upload_key}", "file_id": file.id}


@method("files.completeUploadExternal")
def complete_upload(call: Call, args: Args) -> dict[str, Any]:
    """Finish uploads and optionally share them into one channel (channel_id or channels)."""
    entries = args.structured("files")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) and "id" in e for e in entries):
        raise invalid_arguments(["[ERROR] missing required field: files"])
    named = args.opt("channel_id")
    targets = args.csv("channels") or ([named] if named else [])
    with call.ws.lock:
        files = []
        for entry in entries:
            file = call.ws.files.get(entry["id"])
            if file is None or file.content is None:
                raise SlackError("file_not_found")
            if file.completed:
                raise SlackError("file_already_completed")
            files.append((file, entry.get("title")))
        channel_ids = [resolve_channel(call.ws, target) for target in targets]
        for file, title in files:
            file.completed, file.title = True, title or file.name
            file.channels += channel_ids
        for channel_id in channel_ids:
            message = Message(
                channel=channel_id,
                ts=call.ws.next_ts(),
                text=args.opt("initial_comment") or "",
                user=call.actor,
                bot_id=call.ws.bot_id,
                thread_ts=args.opt("thread_ts"),
                files=[file.id for file, _ in files],
            )
            call.ws.messages[channel_id].append(message)
        return {"files": [file_json(call.ws, file, call.base_url) for file, _ in files]}
