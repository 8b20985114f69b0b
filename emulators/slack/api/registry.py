"""The table of Web API methods and the helpers their handlers share.

A handler gets the workspace and the parsed arguments and returns the body of a successful reply
(without "ok"); it raises SlackError for anything Slack would refuse.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulators.slack.args import Args
from emulators.slack.blockkit import message_block_problems
from emulators.slack.errors import SlackError, invalid_arguments
from emulators.slack.state import Workspace
from emulators.slack.state_values import with_ids


@dataclass
class Call:
    """Who is calling, against which workspace, and where the emulator is reachable."""

    ws: Workspace
    base_url: str
    token: str
    actor: str


Handler = Callable[[Call, Args], dict[str, Any]]


@dataclass
class Method:
    """A Web API method: its handler and the token type it accepts (bot, app, user or none)."""

    handler: Handler
    token: str


METHODS: dict[str, Method] = {}


def method(name: str, token: str = "bot") -> Callable[[Handler], Handler]:
    """Register a handler under its Slack method name."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = Method(handler, token)
        return handler

    return register


def paginate(items: list[Any], args: Args, default_limit: int = 100) -> tuple[list[Any], dict[str, str]]:
    """Cursor paging as Slack does it: opaque next_cursor, "" on the last page."""
    limit = args.integer("limit", default_limit) or default_limit
    start = 0
    cursor = args.opt("cursor")
    if cursor:
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:"))
        except ValueError:
            raise SlackError("invalid_cursor") from None
    page = items[start : start + min(limit, 1000)]
    end = start + len(page)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return page, {"next_cursor": next_cursor}


def message_content(args: Args, required: bool = True) -> tuple[str, list[dict[str, Any]] | None, Any]:
    """text / blocks / attachments of a chat.* call, validated like Slack (no_text, invalid_blocks…)."""
    text = args.opt("text") or ""
    blocks = args.structured("blocks", error="invalid_blocks_format")
    attachments = args.structured("attachments", error="invalid_attachments")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        problems = message_block_problems(blocks)
        if problems:
            raise invalid_arguments(problems, error="invalid_blocks")
        blocks = with_ids(blocks)
    if attachments is not None:
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            raise SlackError("invalid_attachments")
        if len(attachments) > 100:
            raise SlackError("too_many_attachments")
    if required and not text and not blocks and not attachments:
        raise SlackError("no_text")
    if len(text) > 40000:
        raise SlackError("msg_too_long")
    return text, blocks, attachments
