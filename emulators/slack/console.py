"""A person's way into the emulated workspace: type a slash command as one of its people, read the channels.

``GET /console`` is a page with every channel's messages and a box to type ``/incident …`` in; ``POST
/console/command`` (form or JSON: ``user``, ``channel``, ``text``, optional ``command``) does the same for curl and
answers with what the app told the person. People and channels may be given by name (``maya``, ``#general``) or
id, and ``@name`` in the text becomes a mention, as Slack's escaping of a slash command's text does. The console
cannot show modals: a command that opens one is answered with a note saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from emulators.slack.emulator import SlackEmulator

REPLY_WAIT_S = 2.0
NO_REPLY = "(no reply in the channel: a command that opens a form answers there, and the console cannot show forms)"
_MENTION = re.compile(r"(?<![<\w])@([a-z0-9._-]+)")


class ConsoleError(Exception):
    """A request the console cannot act on; its message says what to give instead."""


class Console:
    def __init__(self, emulator: SlackEmulator) -> None:
        self.emu = emulator

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/console", self.page)
        router.add_post("/console", self.page)
        router.add_post("/console/command", self.command)

    async def command(self, request: web.Request) -> web.Response:
        fields = await _fields(request)
        try:
            replies = await self._run(fields)
        except ConsoleError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True, "replies": replies})

    async def page(self, request: web.Request) -> web.Response:
        fields = await _fields(request) if request.method == "POST" else {}
        said: list[str] = []
        if fields:
            try:
                said = await self._run(fields)
            except ConsoleError as exc:
                said = [str(exc)]
        return web.Response(text=self._render(fields, said), content_type="text/html")

    async def _run(self, fields: dict[str, str]) -> list[str]:
        """Send the slash command and return what the person was told (on the ack or through its response_url)."""
        user = self._user(fields.get("user", ""))
        channel = self._channel(fields.get("channel", ""))
        command, text = _split(fields.get("command") or "/incident", fields.get("text", ""))
        text = _MENTION.sub(self._mention, text)
        loop = asyncio.get_running_loop()
        ack = await loop.run_in_executor(None, lambda: self.emu.slash_command(user, channel, text, command=command))
        told = [str((ack.payload or {}).get("text") or "")]
        if not told[0]:
            with contextlib.suppress(TimeoutError):
                await loop.run_in_executor(
                    None, lambda: self.emu.wait_for(lambda: self.emu.replies_to(ack), timeout=REPLY_WAIT_S)
                )
        told += [post.text or "" for post in self.emu.replies_to(ack)]
        return [line for line in told if line] or [NO_REPLY]

    def _user(self, given: str) -> str:
        wanted = given.strip().lstrip("@")
        for user in self.emu.users.values():
            if not user.is_bot and wanted in (user.id, user.name):
                return user.id
        people = ", ".join(sorted(u.name for u in self.emu.users.values() if not u.is_bot))
        raise ConsoleError(f"No person {given!r} in this workspace; give user= one of: {people}.")

    def _channel(self, given: str) -> str:
        wanted = given.strip().lstrip("#")
        for channel in self.emu.channels.values():
            if not channel.is_im and wanted in (channel.id, channel.name):
                return channel.id
        names = ", ".join(sorted(f"#{c.name}" for c in self.emu.channels.values() if not c.is_im))
        raise ConsoleError(f"No channel {given!r} in this workspace; give channel= one of: {names}.")

    def _mention(self, match: re.Match[str]) -> str:
        name = match.group(1)
        user = next((u for u in self.emu.users.values() if u.name == name), None)
        return f"<@{user.id}|{name}>" if user else match.group(0)

    def _render(self, fields: dict[str, str], said: list[str]) -> str:
        users = [u for u in self.emu.users.values() if not u.is_bot]
        names = {u.id: u.name for u in self.emu.users.values()}
        channels = [c for c in self.emu.channels.values() if not c.is_im]
        chosen_user, chosen_channel = fields.get("user", ""), fields.get("channel", "")
        user_options = "".join(_option(u.name, u.name == chosen_user) for u in users)
        channel_options = "".join(_option(f"#{c.name}", f"#{c.name}" == chosen_channel) for c in channels)
        reply = "".join(f"<p class=reply>{html.escape(line)}</p>" for line in said)
        sections = []
        for channel in sorted(self.emu.channels.values(), key=lambda c: (c.is_im, c.created, c.name)):
            title = f"DM with {names.get(channel.dm_user or '', '?')}" if channel.is_im else f"#{channel.name}"
            lines = "".join(
                f"<li><b>{html.escape(names.get(m.user, m.user))}</b> {html.escape(_readable(m.text, names))}</li>"
                for m in self.emu.messages(channel.id)
            )
            sections.append(f"<h2>{html.escape(title)}</h2><ul>{lines or '<li><i>no messages</i></li>'}</ul>")
        return _PAGE.format(users=user_options, channels=channel_options, reply=reply, channels_html="".join(sections))


async def _fields(request: web.Request) -> dict[str, str]:
    if request.content_type == "application/json":
        try:
            body: Any = json.loads(await request.read() or b"{}")
        except json.JSONDecodeError:
            return {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _split(command: str, text: str) -> tuple[str, str]:
    """``/incident declare …`` typed whole, or just ``declare …`` with the command apart."""
    stripped = text.strip()
    if stripped.startswith("/"):
        command, _, stripped = stripped.partition(" ")
    return command, stripped.strip()


def _readable(text: str, names: dict[str, str]) -> str:
    """Mentions as @name, links as their label, for the page."""
    text = re.sub(r"<@(U[A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    return re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", text)


def _option(label: str, selected: bool) -> str:
    return f"<option{' selected' if selected else ''}>{html.escape(label)}</option>"


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Slack emulator console</title>
<style>body{{font:15px system-ui,sans-serif;margin:2em;max-width:60em}}input[name=text]{{width:30em}}
.reply{{background:#f4ede4;padding:.5em;white-space:pre-wrap}}li{{margin:.3em 0;white-space:pre-wrap}}</style></head>
<body><h1>Slack emulator</h1>
<form method="post" action="/console">
<select name="user">{users}</select> in <select name="channel">{channels}</select>
<input name="text" value="/incident " autofocus> <button>Send</button></form>
{reply}{channels_html}</body></html>
"""
