"""The test-facing half of the emulator: acting as users and as Slack towards the app.

Every helper builds the payload Slack would send, delivers it over Socket Mode or signed HTTP, and
returns the app's Ack. Blocking helpers raise AckTimeoutError when the app misses the 3 s deadline;
`*_nowait` variants return a Future so benchmarks can keep many envelopes in flight.
"""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any

from emulators.slack import payloads
from emulators.slack.errors import AckTimeoutError
from emulators.slack.interactions import apply_response_action
from emulators.slack.models import Ack, Ephemeral, Message, Reaction, View
from emulators.slack.serialize import view_json
from emulators.slack.server import EmulatorServer
from emulators.slack.socket_mode import SocketHub
from emulators.slack.state import Workspace
from emulators.slack.state_values import action_payload, element_state, find_element, state_values

_STALE_S = 6 * 60


class Driver:
    """Mixin for SlackEmulator; needs _ws, _server, _hub and http_target."""

    _ws: Workspace
    _server: EmulatorServer
    _hub: SocketHub
    http_target: str | None

    def _send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        transport: str | None,
        retry: tuple[int, str] = (0, ""),
        signature: str = "valid",
    ) -> concurrent.futures.Future[Ack]:
        """Deliver one payload; `signature` may be "invalid" or "stale" to test HTTP verification."""
        return self._server.submit(
            self._noting_response_url(
                self._deliver(envelope_type, payload, transport, retry, signature), payload.get("response_url")
            )
        )

    async def _noting_response_url(self, delivery: Any, response_url: str | None) -> Ack:
        ack: Ack = await delivery
        ack.response_url = response_url
        return ack

    def _deliver(
        self, envelope_type: str, payload: dict[str, Any], transport: str | None, retry: tuple[int, str], signature: str
    ) -> Any:
        """The coroutine that delivers one payload over HTTP or Socket Mode and returns the app's ack."""
        if (transport or ("http" if self.http_target else "socket")) == "http":
            if not self.http_target:
                raise RuntimeError("set emu.http_target to the app's Request URL first")
            secret = self._ws.signing_secret if signature != "invalid" else "not-the-signing-secret"
            stamp = int(time.time()) - (_STALE_S if signature == "stale" else 0)
            sender = self._server.sender
            assert sender is not None
            return self._record(sender.post(self.http_target, envelope_type, payload, secret, retry, stamp))
        extra: dict[str, Any] = {"accepts_response_payload": envelope_type != "events_api"}
        if envelope_type == "events_api":
            extra.update(retry_attempt=retry[0], retry_reason=retry[1])
        elif envelope_type == "interactive":
            extra["accepts_response_payload"] = payload["type"] in ("view_submission", "block_suggestion")
        return self._hub.deliver(envelope_type, payload, extra)

    async def _record(self, coro: Any) -> Ack:
        ack: Ack = await coro
        with self._ws.lock:
            self._ws.acks.append(ack)
        return ack

    @staticmethod
    def _wait(future: concurrent.futures.Future[Ack]) -> Ack:
        ack = future.result(timeout=15)
        if ack.timed_out:
            raise AckTimeoutError(ack)
        return ack

    def slash_command_nowait(
        self,
        user_id: str,
        channel_id: str,
        text: str = "",
        command: str = "/incident",
        transport: str | None = None,
        signature: str = "valid",
    ) -> concurrent.futures.Future[Ack]:
        """Invoke a slash command without waiting for the ack."""
        payload = payloads.slash_command(self._ws, self._server_base(), user_id, channel_id, command, text)
        return self._send("slash_commands", payload, transport, signature=signature)

    def slash_command(
        self,
        user_id: str,
        channel_id: str,
        text: str = "",
        command: str = "/incident",
        transport: str | None = None,
        signature: str = "valid",
    ) -> Ack:
        """Invoke a slash command as `user_id` in `channel_id` and return the app's ack."""
        return self._wait(self.slash_command_nowait(user_id, channel_id, text, command, transport, signature))

    def event_nowait(
        self,
        event: dict[str, Any],
        retry_num: int = 0,
        event_id: str | None = None,
        retry_reason: str = "http_timeout",
        transport: str | None = None,
        signature: str = "valid",
    ) -> concurrent.futures.Future[Ack]:
        """Deliver an Events API event without waiting (same event_id + retry_num>0 = a Slack retry)."""
        payload = payloads.event_callback(self._ws, event, event_id)
        retry = (retry_num, retry_reason if retry_num else "")
        return self._send("events_api", payload, transport, retry=retry, signature=signature)

    def event(
        self,
        event: dict[str, Any],
        retry_num: int = 0,
        event_id: str | None = None,
        retry_reason: str = "http_timeout",
        transport: str | None = None,
        signature: str = "valid",
    ) -> Ack:
        """Deliver an Events API event and return the ack."""
        return self._wait(self.event_nowait(event, retry_num, event_id, retry_reason, transport, signature))

    def message_event(self, user_id: str, channel_id: str, text: str, thread_ts: str | None = None) -> Ack:
        """A user posts a message: stored in the channel, then delivered as a `message` event."""
        with self._ws.lock:
            channel = self._ws.channels[channel_id]
            message = Message(channel_id, self._ws.next_ts(), text, user_id, thread_ts=thread_ts)
            self._ws.messages[channel_id].append(message)
            kind = "im" if channel.is_im else "group" if channel.is_private else "channel"
        event = {"type": "message", "channel": channel_id, "user": user_id, "text": text, "ts": message.ts}
        event.update(team=self._ws.team_id, channel_type=kind, **({"thread_ts": thread_ts} if thread_ts else {}))
        return self.event(event)

    def reaction_added(self, user_id: str, channel_id: str, ts: str, name: str) -> Ack:
        """A user reacts to a stored message: recorded, then delivered as reaction_added."""
        with self._ws.lock:
            message = self._ws.message(channel_id, ts)
            users = message.reactions.setdefault(name, [])
            if user_id not in users:
                users.append(user_id)
        return self.event(self._reaction_event("reaction_added", user_id, message, name))

    def reaction_removed(self, user_id: str, channel_id: str, ts: str, name: str) -> Ack:
        """A user removes a reaction: recorded, then delivered as reaction_removed."""
        with self._ws.lock:
            message = self._ws.message(channel_id, ts)
            users = message.reactions.get(name, [])
            if user_id in users:
                users.remove(user_id)
            if not users:
                message.reactions.pop(name, None)
        return self.event(self._reaction_event("reaction_removed", user_id, message, name))

    @staticmethod
    def _reaction_event(kind: str, user_id: str, message: Message, name: str) -> dict[str, Any]:
        item = {"type": "message", "channel": message.channel, "ts": message.ts}
        return {"type": kind, "user": user_id, "reaction": name, "item": item, "item_user": message.user}

    def app_home_opened(self, user_id: str) -> Ack:
        """The user opens the app's Home tab (with the published view, if any)."""
        with self._ws.lock:
            channel = self._ws.open_dm(user_id)
            homes = [v for v in self._ws.views.values() if v.type == "home" and v.user == user_id]
            event: dict[str, Any] = {
                "type": "app_home_opened",
                "user": user_id,
                "channel": channel.id,
                "tab": "home",
            }
            if homes:
                event["view"] = view_json(self._ws, homes[0])
        return self.event(event)

    def shortcut(self, user_id: str, callback_id: str, transport: str | None = None) -> Ack:
        """The user runs a global shortcut."""
        return self._wait(self._send("interactive", payloads.shortcut(self._ws, user_id, callback_id), transport))

    def message_shortcut(
        self, user_id: str, channel_id: str, message_ts: str, callback_id: str, transport: str | None = None
    ) -> Ack:
        """The user runs a message shortcut on a stored message."""
        message = self._ws.message(channel_id, message_ts)
        payload = payloads.message_action(self._ws, self._server_base(), user_id, message, callback_id)
        return self._wait(self._send("interactive", payload, transport))

    def block_action(
        self,
        user_id: str,
        view_or_message: View | Message | Ephemeral | str,
        action_id: str,
        value: Any = None,
        block_id: str | None = None,
        transport: str | None = None,
    ) -> Ack:
        """The user clicks/picks an element of a stored view (View or view id), a stored message, or an ephemeral
        message as the user sees it (a reply to them: what the app posted, as its later replacements left it)."""
        with self._ws.lock:
            source: View | Message | Ephemeral
            if isinstance(view_or_message, str):
                source = self._ws.views[view_or_message]
            elif isinstance(view_or_message, View):
                source = self._ws.views[view_or_message.id]
            elif isinstance(view_or_message, Ephemeral):
                source = view_or_message
            else:
                source = self._ws.message(view_or_message.channel, view_or_message.ts)
            blocks = (source.view.get("blocks") if isinstance(source, View) else source.blocks) or []
            block, element = find_element(blocks, action_id, block_id)
            action = action_payload(block, element, value)
            state: dict[str, Any] = {}
            if isinstance(source, View):  # a view remembers what the person picks, as Slack's state does
                if element["type"] not in {"button", "workflow_button", "overflow"}:
                    entered = source.state.setdefault(block["block_id"], {})
                    entered[element["action_id"]] = element_state(element, value, given=True)
                state = source.state
            payload = payloads.block_actions(self._ws, self._server_base(), user_id, source, action, state)
        return self._wait(self._send("interactive", payload, transport))

    def enter_in_view(self, view_id: str, user_id: str, values: dict[str, dict[str, Any]]) -> None:
        """The user types or picks in an open modal without submitting it (``values`` as :meth:`submit_view`
        takes them): Slack keeps it as the view's state, sends it with the modal's next block action and keeps it
        across the app's views.update."""
        with self._ws.lock:
            view = self._ws.views[view_id]
            if view.closed or view.type != "modal" or view.user != user_id:
                raise ValueError(f"{user_id} has no open modal {view_id}")
            blocks = view.view.get("blocks", [])
            for block_id, actions in values.items():
                for action_id, value in actions.items():
                    _, element = find_element(blocks, action_id, block_id)
                    view.state.setdefault(block_id, {})[action_id] = element_state(element, value, given=True)

    def submit_view(
        self,
        view_id: str,
        user_id: str,
        values: dict[str, dict[str, Any]] | None = None,
        transport: str | None = None,
    ) -> Ack:
        """The user submits a stored modal; the app's response_action is then applied to the views."""
        with self._ws.lock:
            view = self._ws.views[view_id]
            if view.closed or view.type != "modal" or view.user != user_id:
                raise ValueError(f"{user_id} has no open modal {view_id}")
            given = values or {}
            state = state_values(view.view.get("blocks", []), given)
            for block_id, entered in view.state.items():  # picked earlier (block actions), not given now
                for action_id, element in entered.items():
                    if action_id not in given.get(block_id, {}) and block_id in state:
                        state[block_id][action_id] = element
            view.state = state
            payload = payloads.view_submission(self._ws, user_id, view, state)
        ack = self._wait(self._send("interactive", payload, transport))
        apply_response_action(self._ws, view, ack)
        return ack

    def close_view(self, view_id: str, user_id: str, transport: str | None = None) -> Ack | None:
        """The user closes a modal; the app hears about it only if the view set notify_on_close."""
        with self._ws.lock:
            view = self._ws.views[view_id]
            view.closed = True
            if not view.view.get("notify_on_close"):
                return None
            payload = payloads.view_closed(self._ws, user_id, view)
        return self._wait(self._send("interactive", payload, transport))

    def url_verification(self, challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") -> Ack:
        """Slack's Request URL handshake (HTTP mode only): the app must echo the challenge."""
        payload = {"token": self._ws.verification_token, "challenge": challenge, "type": "url_verification"}
        return self._wait(self._send("events_api", payload, "http"))

    def _server_base(self) -> str:
        return f"http://{self._server.host}:{self._server.port}/"

    def reactions_snapshot(self) -> list[Reaction]:
        """Every reaction on every message, flattened."""
        with self._ws.lock:
            return [
                Reaction(m.channel, m.ts, name, user)
                for messages in self._ws.messages.values()
                for m in messages
                for name, users in m.reactions.items()
                for user in users
            ]
