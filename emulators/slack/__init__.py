"""A local Slack emulator for tests and demos; see SlackEmulator."""

from emulators.slack.emulator import SlackEmulator
from emulators.slack.errors import AckTimeoutError
from emulators.slack.models import (
    Ack,
    ApiCall,
    Bookmark,
    Channel,
    Edit,
    Ephemeral,
    File,
    Message,
    Pin,
    Reaction,
    ResponseUrlPost,
    User,
    View,
)

__all__ = [
    "Ack",
    "AckTimeoutError",
    "ApiCall",
    "Bookmark",
    "Channel",
    "Edit",
    "Ephemeral",
    "File",
    "Message",
    "Pin",
    "Reaction",
    "ResponseUrlPost",
    "SlackEmulator",
    "User",
    "View",
]
