"""The emulated workspace: every record plus the identity of the app, guarded by one lock.

Handlers run on the server's event loop while tests read from their own thread, so all access goes
through `lock` (re-entrant, because handlers call small helpers that also lock).
"""

from __future__ import annotations

import random
import secrets
import string
import threading
import time
from dataclasses import dataclass, field

from emulators.slack.errors import SlackError
from emulators.slack.models import (
    Ack,
    ApiCall,
    Bookmark,
    Channel,
    Ephemeral,
    File,
    Message,
    Pin,
    ResponseUrlPost,
    User,
    View,
)

_ID_ALPHABET = string.ascii_uppercase + string.digits
_random = random.SystemRandom()
"""Ids stay unique even when a test seeds the global generator (Hypothesis does, for every example)."""
TRIGGER_TTL_S = 3.0


@dataclass
class Trigger:
    """A trigger_id handed to the app in an interaction; usable once, for 3 seconds."""

    user: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    """Where a response_url posts to; Slack accepts up to 5 posts per URL."""

    channel: str
    user: str
    message_ts: str | None
    uses: int = 0


@dataclass
class Workspace:
    """All emulator state. Field names match what tests read through SlackEmulator."""

    team_id: str = ""
    team_name: str = "Vigil Emulated"
    team_domain: str = "vigil-emulated"
    app_id: str = ""
    bot_id: str = ""
    bot_user_id: str = ""
    bot_token: str = ""
    app_token: str = ""
    signing_secret: str = ""
    verification_token: str = ""
    client_id: str = ""
    client_secret: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, list[Message]] = field(default_factory=dict)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    pins: dict[str, list[Pin]] = field(default_factory=dict)
    bookmarks: dict[str, list[Bookmark]] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    uploads: dict[str, str] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    response_urls: dict[str, ResponseUrl] = field(default_factory=dict)
    responses: list[ResponseUrlPost] = field(default_factory=list)
    calls: list[ApiCall] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    oidc_login_user: str | None = None
    oidc_codes: dict[str, tuple[str, str, str | None, str]] = field(default_factory=dict)
    user_tokens: dict[str, str] = field(default_factory=dict)
    socket_tickets: set[str] = field(default_factory=set)
    _last_ts: float = 0.0

    def __post_init__(self) -> None:
        self.team_id = self.new_id("T")
        self.app_id = self.new_id("A")
        self.bot_id = self.new_id("B")
        self.bot_token = f"xoxb-{_random.randint(10**11, 10**12)}-{_random.randint(10**11, 10**12)}-"
        self.bot_token += secrets.token_hex(12)
        self.app_token = f"xapp-1-{self.app_id}-{_random.randint(10**11, 10**12)}-{secrets.token_hex(32)}"
        self.signing_secret = secrets.token_hex(16)
        self.verification_token = secrets.token_hex(12)
        self.client_id = f"{_random.randint(10**11, 10**12)}.{_random.randint(10**11, 10**12)}"
        self.client_secret = secrets.token_hex(16)
        self.bot_user_id = self.add_user("vigil", "Vigil", None, is_bot=True)

    @staticmethod
    def new_id(prefix: str) -> str:
        """A Slack-looking id: prefix plus 10 upper-case alphanumerics."""
        return prefix + "".join(_random.choices(_ID_ALPHABET, k=10))

    def next_ts(self) -> str:
        """A message ts: strictly increasing "seconds.micros", as Slack guarantees per channel."""
        with self.lock:
            now = max(time.time(), self._last_ts + 0.000001)
            self._last_ts = now
            return f"{now:.6f}"

    def add_user(self, name: str, real_name: str, email: str | None, is_bot: bool = False) -> str:
        """Create a member and return its id."""
        with self.lock:
            user = User(id=self.new_id("U"), name=name, real_name=real_name, email=email, is_bot=is_bot)
            self.users[user.id] = user
            return user.id

    def add_channel(self, name: str, is_private: bool, members: set[str], creator: str) -> str:
        """Create a channel and return its id (private channels get C ids too, as Slack does today)."""
        with self.lock:
            channel = Channel(self.new_id("C"), name, is_private, creator, int(time.time()), set(members))
            self.channels[channel.id] = channel
            self.messages[channel.id] = []
            return channel.id

    def issue_trigger(self, user: str, issued_ago_s: float = 0.0) -> str:
        """A fresh trigger_id (optionally back-dated, to test expiry without sleeping)."""
        trigger_id = f"{_random.randint(10**9, 10**10)}.{_random.randint(10**9, 10**10)}.{secrets.token_hex(16)}"
        with self.lock:
            self.triggers[trigger_id] = Trigger(user, time.monotonic() - issued_ago_s)
        return trigger_id

    def redeem_trigger(self, trigger_id: str) -> str:
        """Use a trigger_id once; returns the user it was issued for, or raises Slack's error."""
        with self.lock:
            trigger = self.triggers.get(trigger_id)
            if trigger is None:
                raise SlackError("invalid_trigger_id")
            if time.monotonic() - trigger.issued_at > TRIGGER_TTL_S:
                raise SlackError("expired_trigger_id")
            if trigger.used:
                raise SlackError("trigger_exchanged")
            trigger.used = True
            return trigger.user

    def user(self, user_id: str | None, error: str = "user_not_found") -> User:
        """A member by id or Slack's error."""
        with self.lock:
            user = self.users.get(user_id or "")
        if user is None:
            raise SlackError(error)
        return user

    def channel(self, channel_id: str | None, error: str = "channel_not_found") -> Channel:
        """A conversation the bot can see: public ones, and private ones / DMs it belongs to."""
        with self.lock:
            channel = self.channels.get(channel_id or "")
            visible = channel is not None and (not channel.is_private or self.bot_user_id in channel.members)
        if not visible:
            raise SlackError(error)
        assert channel is not None
        return channel

    def message(self, channel_id: str, ts: str | None, error: str = "message_not_found") -> Message:
        """A stored message by channel and ts."""
        with self.lock:
            for message in self.messages.get(channel_id, []):
                if message.ts == ts:
                    return message
        raise SlackError(error)

    def open_dm(self, user_id: str) -> Channel:
        """The bot's DM with a user, created on first use like conversations.open does."""
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.dm_user == user_id:
                    return channel
            channel = Channel(self.new_id("D"), user_id, True, self.bot_user_id, int(time.time()))
            channel.members = {self.bot_user_id, user_id}
            channel.is_im, channel.dm_user = True, user_id
            self.channels[channel.id] = channel
            self.messages[channel.id] = []
            return channel
