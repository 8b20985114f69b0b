"""Payloads Slack sends to apps: slash commands, event_callback wrappers and interactive payloads.

Shapes follow Slack's documentation of each payload; trigger_ids and response_urls are issued by the
emulator so that views.open and respond() work against it.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from emulators.slack.models import Ephemeral, Message, View
from emulators.slack.serialize import message_json, view_json
from emulators.slack.state import ResponseUrl, Workspace


def issue_response_url(ws: Workspace, base_url: str, channel: str, user: str, message_ts: str | None = None) -> str:
    """A response_url on the emulator; posts to it are recorded in ws.responses."""
    key = secrets.token_urlsafe(12)
    with ws.lock:
        ws.response_urls[key] = ResponseUrl(channel, user, message_ts)
    return f"{base_url}response_url/{ws.team_id}/{key}"


def _team(ws: Workspace) -> dict[str, Any]:
    return {"id": ws.team_id, "domain": ws.team_domain}


def _user(ws: Workspace, user_id: str) -> dict[str, Any]:
    name = ws.users[user_id].name
    return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}


def slash_command(
    ws: Workspace, base_url: str, user_id: str, channel_id: str, command: str, text: str
) -> dict[str, Any]:
    """The form fields of a slash command invocation."""
    with ws.lock:
        channel = ws.channels[channel_id]
        return {
            "token": ws.verification_token,
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel.is_im else channel.name,
            "user_id": user_id,
            "user_name": ws.users[user_id].name,
            "command": command,
            "text": text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": issue_response_url(ws, base_url, channel_id, user_id),
            "trigger_id": ws.issue_trigger(user_id),
        }


def event_callback(ws: Workspace, event: dict[str, Any], event_id: str | None) -> dict[str, Any]:
    """The Events API outer wrapper around one event."""
    now = int(time.time())
    event = {"event_ts": f"{time.time():.6f}", **event}
    return {
        "token": ws.verification_token,
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or ws.new_id("Ev"),
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def _interaction(ws: Workspace, kind: str, user_id: str) -> dict[str, Any]:
    """Fields every interactive payload carries."""
    return {
        "type": kind,
        "token": ws.verification_token,
        "team": _team(ws),
        "user": _user(ws, user_id),
        "api_app_id": ws.app_id,
        "is_enterprise_install": False,
        "enterprise": None,
        "trigger_id": ws.issue_trigger(user_id),
    }


def shortcut(ws: Workspace, user_id: str, callback_id: str) -> dict[str, Any]:
    """A global shortcut."""
    with ws.lock:
        return {
            **_interaction(ws, "shortcut", user_id),
            "callback_id": callback_id,
            "action_ts": f"{time.time():.6f}",
        }


def message_action(ws: Workspace, base_url: str, user_id: str, message: Message, callback_id: str) -> dict[str, Any]:
    """A message shortcut on a stored message."""
    with ws.lock:
        channel = ws.channels[message.channel]
        return {
            **_interaction(ws, "message_action", user_id),
            "callback_id": callback_id,
            "action_ts": f"{time.time():.6f}",
            "channel": {"id": channel.id, "name": channel.name},
            "message_ts": message.ts,
            "message": message_json(ws, message),
            "response_url": issue_response_url(ws, base_url, channel.id, user_id, message.ts),
        }


def block_actions(
    ws: Workspace,
    base_url: str,
    user_id: str,
    source: View | Message | Ephemeral,
    action: dict[str, Any],
    state: dict[str, Any],
) -> dict[str, Any]:
    """A block_actions payload for one action on a view, a message or an ephemeral message (which Slack does not
    send back: only where it is, and a response_url that can replace it)."""
    with ws.lock:
        payload = {
            **_interaction(ws, "block_actions", user_id),
            "actions": [action],
            "state": {"values": state},
        }
        if isinstance(source, View):
            payload["container"] = {"type": "view", "view_id": source.id}
            payload["view"] = view_json(ws, source)
            return payload
        channel = ws.channels[source.channel]
        payload["container"] = {
            "type": "message",
            "message_ts": source.ts,
            "channel_id": channel.id,
            "is_ephemeral": isinstance(source, Ephemeral),
        }
        payload["channel"] = {"id": channel.id, "name": channel.name}
        if isinstance(source, Message):
            payload["message"] = message_json(ws, source)
        payload["response_url"] = issue_response_url(ws, base_url, channel.id, user_id, source.ts)
        return payload


def view_submission(ws: Workspace, user_id: str, view: View, state: dict[str, Any]) -> dict[str, Any]:
    """A view_submission payload built from the stored view plus the submitted state."""
    with ws.lock:
        body = view_json(ws, view)
        body["state"] = {"values": state}
        payload = {**_interaction(ws, "view_submission", user_id), "view": body, "response_urls": []}
        return payload


def view_closed(ws: Workspace, user_id: str, view: View) -> dict[str, Any]:
    """A view_closed payload (sent only when the view asked for notify_on_close)."""
    with ws.lock:
        payload = {
            **_interaction(ws, "view_closed", user_id),
            "view": view_json(ws, view),
            "is_cleared": False,
        }
        payload.pop("trigger_id")
        return payload
