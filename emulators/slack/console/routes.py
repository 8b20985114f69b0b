"""The console's HTTP routes: what a person does in the page (or with curl) sent to the app as Slack would send it.

Slash commands, clicks and picks, and a modal's Submit and Close go through the emulator's driver, so the app
receives the same ``slash_commands``, ``block_actions``, ``view_submission`` and ``view_closed`` payloads, over the
same Socket Mode or signed HTTP delivery, as in the emulator's tests. Every form posts, then redirects back to the
page (``/console?user=…&channel=…``), which the page's script keeps up to date from ``/console/feed``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from aiohttp import web
from multidict import MultiDictProxy

from emulators.slack.console.forms import element_value, entered, missing, parse_field_name
from emulators.slack.console.page import console_url, digest, feed_html, page_html
from emulators.slack.console.seen import ephemeral, scene
from emulators.slack.console.surfaces import BUTTONS, Post, Where, modal_key
from emulators.slack.errors import AckTimeoutError
from emulators.slack.models import Ack, Channel, Ephemeral, Message, User, View
from emulators.slack.state_values import find_element

if TYPE_CHECKING:
    from emulators.slack.emulator import SlackEmulator

T = TypeVar("T")
REPLY_WAIT_S = 2.0
"""How long a form waits for the app's answer (a reply, a modal, a changed message) before showing the page."""
NO_REPLY = "(no reply)"
_MENTION = re.compile(r"(?<![<\w])@([a-z0-9._-]+)")
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
NO_APP = "No app is connected to this emulator: start the bot against it (vigil serve) and send again."
NO_ANSWER = "The app did not answer within 3 seconds, so Slack would tell the person it failed: send again."
NO_REQUEST_URL = "Nothing answers at the app's Request URL: start the bot (vigil serve --http) and send again."


class ConsoleError(Exception):
    """A request the console cannot act on; its message says what to do instead."""


class Console:
    def __init__(self, emulator: SlackEmulator) -> None:
        self.emu = emulator
        self._told: list[tuple[str, Post]] = []
        """Answers the app gave on a command's ack, for whom: Slack shows them to that person only."""
        self._notices: dict[str, str] = {}
        """User id → one line for their next page (a command that went nowhere)."""
        self._problems: dict[str, str] = {}
        """View id → why its last submit or use went nowhere."""
        self._errors: dict[str, dict[str, str]] = {}
        """View id → the required fields its last submit left empty."""

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/console", self.page)
        router.add_post("/console", self.typed)
        router.add_post("/console/command", self.command)
        router.add_post("/console/action", self.action)
        router.add_post("/console/view/{view_id}", self.view)
        router.add_get("/console/feed", self.feed)
        router.add_get("/console/static/{name}", self.static)

    # pages
    async def page(self, request: web.Request) -> web.Response:
        where, acting = self._acting(request.query)
        return self._page(where, acting, self._notices.pop(acting, ""))

    def _page(self, where: Where, acting: str, notice: str = "") -> web.Response:
        return web.Response(text=self._page_html(where, acting, notice), content_type="text/html")

    def _page_html(self, where: Where, acting: str, notice: str) -> str:
        seen = scene(self.emu, where, acting, self._told)
        if seen.modal is not None:
            seen = replace(
                seen, problem=self._problems.get(seen.modal.id, ""), errors=self._errors.get(seen.modal.id, {})
            )
        return page_html(seen, notice)

    def _acting(self, fields: Mapping[str, str]) -> tuple[Where, str]:
        """Who acts where; an unknown person or channel is answered with the first person's page, saying so."""
        try:
            return self._where(fields)
        except ConsoleError as exc:
            refused = str(exc)
        try:
            where, acting = self._where({})
        except ConsoleError:
            raise web.HTTPBadRequest(text=refused) from None
        raise web.HTTPBadRequest(text=self._page_html(where, acting, refused), content_type="text/html")

    async def feed(self, request: web.Request) -> web.Response:
        """The channels as the page shows them, and which modal is open, for the page's script."""
        try:
            where, acting = self._where(request.query)
        except ConsoleError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        seen = scene(self.emu, where, acting, self._told)
        feed = feed_html(seen)
        return web.json_response({"ok": True, "feed": feed, "digest": digest(feed), "modal": modal_key(seen.modal)})

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        body = (resources.files(__package__) / "static" / name).read_bytes()
        return web.Response(body=body, content_type=STATIC[name], charset="utf-8")

    # typing a command
    async def typed(self, request: web.Request) -> web.Response:
        """The page's command box: send it, then back to the page."""
        fields = await _fields(request)
        where, acting = self._acting(fields)
        try:
            await self._run(acting, self._channel(where.channel).id, fields)
        except ConsoleError as exc:
            self._notices[acting] = str(exc)
        raise web.HTTPSeeOther(console_url(where))

    async def command(self, request: web.Request) -> web.Response:
        """For curl: type a command and answer with what the app told the person."""
        fields = await _fields(request)
        try:
            user = self._user(fields.get("user", ""))
            channel = self._channel(fields.get("channel", ""))
            ack, opened = await self._run(user.id, channel.id, fields)
        except ConsoleError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        told = [str((ack.payload or {}).get("text") or "")] + [post.text or "" for post in self.emu.replies_to(ack)]
        told += [
            f"Opened the form “{_title(view)}”: fill it in at {self.emu.base_url}console?user={user.name}"
            for view in opened
        ]
        return web.json_response({"ok": True, "replies": [line for line in told if line] or [NO_REPLY]})

    async def _run(self, acting: str, channel: str, fields: Mapping[str, str]) -> tuple[Ack, list[View]]:
        """Send the slash command; wait until the app answers (on the ack, on its response_url, or with a modal).
        Returns the ack and the modals it opened."""
        command, text = _split(fields.get("command") or "/incident", fields.get("text", ""))
        text = _MENTION.sub(self._mention, escape(text))
        before = self._stack(acting)
        ack = await self._deliver(lambda: self.emu.slash_command(acting, channel, text, command=command))
        answer = ack.payload or {}
        if answer.get("text") or answer.get("blocks"):
            text, blocks = str(answer.get("text") or ""), answer.get("blocks")
            self._told.append(
                (acting, Post(channel, f"{time.time():.6f}", self.emu.bot_user_id, text, blocks, only_you=True))
            )
        else:
            await _settle(lambda: self.emu.replies_to(ack) or self._stack(acting) != before)
        return ack, [v for v in self._modals(acting) if (v.id, v.hash) not in before]

    # using a message's button or menu
    async def action(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = _strings(form)
        where, acting = self._acting(fields)
        try:
            await self._use_in_message(acting, form)
        except ConsoleError as exc:
            self._notices[acting] = str(exc)
        except ValueError as exc:  # a pick the element does not offer: Slack's client would not send it
            self._notices[acting] = f"Slack would not send this: {exc}."
        raise web.HTTPSeeOther(console_url(where))

    async def _use_in_message(self, acting: str, form: MultiDictProxy[Any]) -> None:
        fields = _strings(form)
        channel, ts = fields.get("in", ""), fields.get("ts", "")
        source = self._message(channel, ts) or ephemeral(self.emu, acting, self._told, channel, ts)
        ids = parse_field_name(fields.get("do", ""))
        if source is None or ids is None:
            raise ConsoleError("That message is gone, so nothing was sent.")
        block_id, action_id = ids
        try:
            _, element = find_element(source.blocks or [], action_id, block_id)
        except ValueError:
            raise ConsoleError("That button or menu is gone from the message, so nothing was sent.") from None
        value = None if element.get("type") in BUTTONS else element_value(element["type"], form.getall("value", []))
        before, looked = self._stack(acting), self._look(source)
        ack = await self._deliver(lambda: self.emu.block_action(acting, source, action_id, value, block_id))
        await _settle(lambda: self.emu.replies_to(ack) or self._stack(acting) != before or self._look(source) != looked)

    # a modal
    async def view(self, request: web.Request) -> web.Response:
        """A modal's Submit, Close, or one of its elements used (``do``)."""
        form = await request.post()
        fields = _strings(form)
        where, acting = self._acting(fields)
        view_id = request.match_info["view_id"]
        view = self.emu.views.get(view_id)
        if view is None or view.closed or view.user != acting:
            self._notices[acting] = "That form is closed, so nothing was sent."
            raise web.HTTPSeeOther(console_url(where))
        self._problems.pop(view_id, None)
        self._errors.pop(view_id, None)
        try:
            await self._in_view(view, acting, fields.get("do", "submit"), form)
        except ConsoleError as exc:
            self._problems[view_id] = str(exc)
        except ValueError as exc:  # what Slack's client would not let a person send
            self._problems[view_id] = f"Slack would not send this: {exc}."
        raise web.HTTPSeeOther(console_url(where))

    async def _in_view(self, view: View, acting: str, do: str, form: MultiDictProxy[Any]) -> None:
        if do == "close":
            await self._deliver(lambda: self.emu.close_view(view.id, acting))
            return
        blocks = view.view.get("blocks") or []
        values = entered(blocks, form)
        self.emu.enter_in_view(view.id, acting, values)
        if do == "submit":
            blank = missing(blocks, values)
            if blank:
                self._errors[view.id] = blank
                return
            ack = await self._deliver(lambda: self.emu.submit_view(view.id, acting, values))
            if ack.problems:
                self._problems[view.id] = "Slack refused the app's answer: " + "; ".join(ack.problems)
            return
        ids = parse_field_name(do)
        if ids is None:
            raise ConsoleError("Nothing in the form was used, so nothing was sent.")
        block_id, action_id = ids
        _, element = find_element(blocks, action_id, block_id)
        value = None if element.get("type") in BUTTONS else element_value(element["type"], form.getall(do, []))
        before = self._stack(acting)
        ack = await self._deliver(lambda: self.emu.block_action(acting, view.id, action_id, value, block_id))
        await _settle(lambda: self._stack(acting) != before or self.emu.replies_to(ack))

    # delivery
    async def _deliver(self, send: Callable[[], T]) -> T:
        """``send()`` off the server's loop (the delivery it waits for runs on that loop); a missed deadline or an
        app that is not there becomes one line."""
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(None, send)
        except AckTimeoutError as exc:
            raise ConsoleError(NO_APP if "no Socket Mode connection" in exc.ack.problems else NO_ANSWER) from None
        except (OSError, aiohttp.ClientError):
            raise ConsoleError(NO_REQUEST_URL) from None
        if isinstance(answer, Ack) and answer.status is not None and answer.status >= 400:
            raise ConsoleError(f"The app answered HTTP {answer.status}, so Slack would tell the person it failed.")
        return answer

    def _modals(self, user: str) -> list[View]:
        return [v for v in self.emu.views.values() if v.type == "modal" and v.user == user and not v.closed]

    def _stack(self, user: str) -> list[tuple[str, str]]:
        return [(v.id, v.hash) for v in self._modals(user)]

    def _message(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.emu.messages(channel) if m.ts == ts), None)

    def _look(self, source: Message | Ephemeral) -> object:
        """What a person sees of a message: changes when it is edited or deleted."""
        message = self._message(source.channel, source.ts)
        return (message.text, message.blocks, message.edited_ts) if message else None

    # people and channels
    def _where(self, fields: Mapping[str, str]) -> tuple[Where, str]:
        """Who acts and where they type (each defaults to the first of the workspace's), and the person's id."""
        people = [u for u in self.emu.users.values() if not u.is_bot]
        rooms = [c for c in self.emu.channels.values() if not c.is_im]
        user = self._user(fields["user"]) if fields.get("user") else (people[0] if people else None)
        channel = self._channel(fields["channel"]) if fields.get("channel") else (rooms[0] if rooms else None)
        if user is None or channel is None:
            raise ConsoleError("This workspace has no people or no channels yet: add some (add_user, add_channel).")
        return Where(user.name, channel.name), user.id

    def _user(self, given: str) -> User:
        wanted = given.strip().lstrip("@")
        for user in self.emu.users.values():
            if not user.is_bot and wanted in (user.id, user.name):
                return user
        people = ", ".join(sorted(u.name for u in self.emu.users.values() if not u.is_bot))
        raise ConsoleError(f"No person {given!r} in this workspace; give user= one of: {people}.")

    def _channel(self, given: str) -> Channel:
        wanted = given.strip().lstrip("#")
        for channel in self.emu.channels.values():
            if not channel.is_im and wanted in (channel.id, channel.name):
                return channel
        names = ", ".join(sorted(f"#{c.name}" for c in self.emu.channels.values() if not c.is_im))
        raise ConsoleError(f"No channel {given!r} in this workspace; give channel= one of: {names}.")

    def _mention(self, match: re.Match[str]) -> str:
        name = match.group(1)
        user = next((u for u in self.emu.users.values() if u.name == name), None)
        return f"<@{user.id}|{name}>" if user else match.group(0)


async def _settle(answered: Callable[[], object]) -> None:
    """Until ``answered()`` or :data:`REPLY_WAIT_S`: the app answers after its ack, on its own time."""
    deadline = time.monotonic() + REPLY_WAIT_S
    while not answered() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def _title(view: View) -> str:
    title = view.view.get("title")
    return str(title.get("text", "")) if isinstance(title, dict) else ""


def _strings(form: Mapping[str, Any]) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _fields(request: web.Request) -> dict[str, str]:
    if request.content_type == "application/json":
        try:
            body: Any = json.loads(await request.read() or b"{}")
        except json.JSONDecodeError:
            return {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    return _strings(await request.post())


def escape(text: str) -> str:
    """What Slack does to a command's text before sending it: its three control characters escaped, so what
    a person typed arrives as text (``@name`` then becomes a mention, as Slack's escaping of mentions does)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _split(command: str, text: str) -> tuple[str, str]:
    """``/incident declare …`` typed whole, or just ``declare …`` with the command apart."""
    stripped = text.strip()
    if stripped.startswith("/"):
        command, _, stripped = stripped.partition(" ")
    return command, stripped.strip()
