"""The record's checkpoints posted outside Vigil's database (``Topic.RECORD_ANCHOR``), and read back for ``vigil
verify``: whoever rewrites the database, signing key and all, cannot rewrite what the record channel already shows.

Each post is tagged (:func:`bot.delivery.metadata`) so a retry finds an earlier try's post instead of posting twice,
and so that only Vigil's own posts are read back: a person pasting a line that looks like one changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient

from bot.delivery import Tag, post_once, retry_window, slack_call
from bot.ids import CARD_EVENT
from incidents.context import Domain
from incidents.dispatcher import Handler
from incidents.outbox import OutboxMessage, Topic
from incidents.record.checkpoints import Checkpoint, checkpoint_numbered
from incidents.settings import Settings

KIND = "record-checkpoint"
_POSTED = re.compile(r"checkpoint #(\d+)\b.*\bsha256 ([0-9a-f]{64})\b")


def anchor_handlers(client: WebClient, domain: Domain, settings: Settings) -> dict[Topic, Handler]:
    def post(message: OutboxMessage) -> None:
        channel = settings.record_channel
        if not channel:
            return
        seq = int(message.payload["seq"])
        with domain.unit() as ctx:
            checkpoint = checkpoint_numbered(ctx.session, seq)
        tag = Tag(None, f"{KIND}-{seq}")
        post_once(client, channel, tag, since=retry_window(message), text=anchor_text(checkpoint))

    return {Topic.RECORD_ANCHOR: post}


def anchor_text(checkpoint: Checkpoint) -> str:
    grew = len(checkpoint.heads)
    logs = "1 log grew" if grew == 1 else f"{grew} logs grew"
    return f"Vigil record {checkpoint.name} · {logs} · sha256 {checkpoint.hash}"


def posted_checkpoints(client: WebClient, channel: str) -> dict[int, str]:
    """Every checkpoint hash Vigil posted to ``channel``, by checkpoint number."""
    found: dict[int, str] = {}
    cursor: str | None = None
    while True:
        with slack_call("conversations.history"):
            page: Any = client.conversations_history(
                channel=channel, limit=200, cursor=cursor, include_all_metadata=True
            )
        for message in page.get("messages") or []:
            meta = message.get("metadata") or {}
            kind = str((meta.get("event_payload") or {}).get("kind", ""))
            posted = _POSTED.search(message.get("text") or "")
            if meta.get("event_type") == CARD_EVENT and kind.startswith(KIND) and posted:
                found[int(posted.group(1))] = posted.group(2)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return found
