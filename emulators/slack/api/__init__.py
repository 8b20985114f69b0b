"""Web API method handlers; importing this package registers them all in registry.METHODS."""

from emulators.slack.api import chat, connections, conversations, files, items, users, views

__all__ = ["chat", "connections", "conversations", "files", "items", "users", "views"]
