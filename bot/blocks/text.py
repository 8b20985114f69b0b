"""Small text helpers shared by the Block Kit builders: mentions, dates, truncation, block constructors."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_STORED_MENTION = re.compile(r"<@([^>|]+)>")

Block = dict[str, Any]


def is_slack_user(key: str) -> bool:
    """People keys are Slack user ids for Slack users and ``cli:name``-style keys for everyone else."""
    return bool(_SLACK_USER.fullmatch(key))


def mention(key: str | None) -> str:
    if not key:
        return "nobody"
    return f"<@{key}>" if is_slack_user(key) else key.split(":", 1)[-1]


def people(text: str) -> str:
    """Stored text refers to people as ``<@key>``; Slack can only link Slack ids, so other keys become names."""
    return _STORED_MENTION.sub(lambda m: mention(m.group(1)), text)


def when(moment: datetime) -> str:
    """A time each reader sees in their own time zone, with UTC as the fallback."""
    stamp = int(moment.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": clip(text, 3000)}


def plain(text: str, limit: int = 3000) -> Block:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts if t][:10]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def divider() -> Block:
    return {"type": "divider"}


def option(text: str, value: str, description: str | None = None) -> Block:
    result: Block = {"text": plain(text, 75), "value": value}
    if description:
        result["description"] = plain(description, 75)
    return result
