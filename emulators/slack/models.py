"""In-memory records the emulator keeps, exposed to tests as snapshots.

Tests read these instead of calling the Web API back, so they can assert on what the app actually did
(including things Slack never returns, such as unfurl flags or the edit history of a message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class User:
    """A workspace member; the bot is one too (is_bot=True)."""

    id: str
    name: str
    real_name: str
    email: str | None
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Etc/UTC"


@dataclass
class Channel:
    """A conversation: public/private channel (C…) or direct message (D…)."""

    id: str
    name: str
    is_private: bool
    creator: str
    created: int
    members: set[str] = field(default_factory=set)
    topic: str = ""
    purpose: str = ""
    archived: bool = False
    is_im: bool = False
    dm_user: str | None = None


@dataclass
class Edit:
    """One earlier version of a message, kept so tests can see what chat.update replaced."""

    ts: str
    text: str
    blocks: list[dict[str, Any]] | None


@dataclass
class Message:
    """A message in a channel; either from a user (user) or from the app (bot_id and user=bot user)."""

    channel: str
    ts: str
    text: str
    user: str
    bot_id: str | None = None
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    unfurl_links: bool | None = None
    unfurl_media: bool | None = None
    metadata: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    edited_ts: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Ephemeral:
    """A chat.postEphemeral message: visible only to `user`, never in history."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None = None


@dataclass
class Reaction:
    """One emoji reaction by one user on one message (flattened for easy assertions)."""

    channel: str
    ts: str
    name: str
    user: str


@dataclass
class Pin:
    """A pinned message."""

    channel: str
    ts: str
    created_by: str
    created: int


@dataclass
class Bookmark:
    """A channel bookmark (only type=link exists for apps)."""

    id: str
    channel: str
    title: str
    link: str
    emoji: str | None
    created: int
    updated: int
    updated_by: str


@dataclass
class File:
    """An uploaded file; `content` is None until the app PUTs bytes to the upload URL."""

    id: str
    name: str
    length: int
    user: str
    created: int
    title: str | None = None
    content: bytes | None = None
    alt_txt: str | None = None
    channels: list[str] = field(default_factory=list)
    completed: bool = False


@dataclass
class View:
    """A modal or home tab the app opened/published, with what the emulated user did to it."""

    id: str
    type: str
    user: str
    view: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] | None = None
    closed: bool = False


@dataclass
class ResponseUrlPost:
    """A message the app sent to a response_url (slash command or interaction)."""

    channel: str
    user: str
    response_type: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    replace_original: bool
    delete_original: bool
    body: dict[str, Any]
    url_key: str = ""
    """Which response_url was used (its last path segment), to match a post with the request that issued it."""
    ts: str = ""
    """When it was posted, as a message ts (to show it among the channel's messages)."""
    message_ts: str | None = None
    """The message (stored or ephemeral) whose interaction issued the response_url: the one replace_original and
    delete_original act on."""


@dataclass
class ApiCall:
    """One Web API request as the emulator saw it; monotonic timestamps let tests measure concurrency."""

    method: str
    args: dict[str, Any]
    status: int
    ok: bool
    error: str | None
    started_at: float
    finished_at: float


@dataclass
class Ack:
    """What the app answered to one envelope (Socket Mode ack or HTTP response).

    `status`/`body` are set for HTTP delivery; `problems` lists what Slack would refuse in the answer
    (e.g. an invalid view in response_action=update), which the emulator then does not apply.
    """

    envelope_id: str
    type: str
    payload: dict[str, Any] | None = None
    ack_ms: float | None = None
    timed_out: bool = False
    status: int | None = None
    body: str | None = None
    problems: list[str] = field(default_factory=list)
    response_url: str | None = None
    """The response_url the request carried (slash commands, interactions): where a later reply would go."""
