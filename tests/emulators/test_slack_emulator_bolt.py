"""A real slack_bolt App against the emulator, over Socket Mode and over signed HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from emulators.slack import SlackEmulator

DECLARE_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "declare",
    "private_metadata": "from-slash",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value", "max_length": 80},
        },
        {
            "type": "input",
            "block_id": "severity",
            "label": {"type": "plain_text", "text": "Severity"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                    {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "responders",
            "optional": True,
            "label": {"type": "plain_text", "text": "Responders"},
            "element": {"type": "multi_users_select", "action_id": "value"},
        },
    ],
}


def _app(emu: SlackEmulator, channel_id: str) -> App:
    app = App(client=WebClient(token=emu.bot_token, base_url=emu.web_api_url), signing_secret=emu.signing_secret)

    @app.command("/incident")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=DECLARE_VIEW)

    @app.view("declare")
    def declare(ack: Ack, view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        title = values["title"]["value"]["value"]
        if len(title) < 4:
            ack(response_action="errors", errors={"title": "Say a bit more"})
            return
        ack()
        severity = values["severity"]["value"]["selected_option"]["value"]
        responders = values["responders"]["value"]["selected_users"]
        client.chat_postMessage(channel=channel_id, text=f"{severity}: {title} ({len(responders)} responders)")

    return app


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(rate_limit_window_s=1.0) as emulator:
        yield emulator


def test_socket_mode_slash_command_modal_and_submission(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice", "Alice Example", "alice@example.com")
    channel_id = emu.add_channel("incidents", members=[alice])
    handler = SocketModeHandler(_app(emu, channel_id), emu.app_token)
    handler.connect()
    try:
        emu.wait_for(lambda: emu.socket_connections)
        ack = emu.slash_command(alice, channel_id, "db is down")
        assert ack.ack_ms is not None and ack.ack_ms < 3000
        [view] = emu.wait_for(lambda: [v for v in emu.views.values() if v.user == alice])
        assert view.view["private_metadata"] == "from-slash"

        with pytest.raises(ValueError, match="not one of the offered options"):
            emu.submit_view(view.id, alice, {"title": {"value": "DB down"}, "severity": {"value": "sev9"}})
        emu.submit_view(view.id, alice, {"title": {"value": "DB"}, "severity": {"value": "sev1"}})
        assert emu.views[view.id].errors == {"title": "Say a bit more"} and not emu.views[view.id].closed

        values = {
            "title": {"value": "DB down"},
            "severity": {"value": "sev1"},
            "responders": {"value": [alice]},
        }
        emu.submit_view(view.id, alice, values)
        [message] = emu.wait_for(lambda: emu.messages(channel_id))
        assert message.text == "sev1: DB down (1 responders)"
        assert emu.views[view.id].closed
    finally:
        handler.close()


class _BoltHTTP(BaseHTTPRequestHandler):
    """The smallest HTTP front for a bolt App: hand the raw request to app.dispatch()."""

    app: App

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        headers = {k.lower(): [v] for k, v in self.headers.items()}
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        self.send_response(response.status)
        for name, values in response.headers.items():
            for value in values:
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_http_mode_signed_requests(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice")
    channel_id = emu.add_channel("incidents", members=[alice])
    app = _app(emu, channel_id)

    @app.command("/status")
    def status(ack: Ack, respond: Respond) -> None:
        ack("checking…")
        respond(text="all green", response_type="in_channel")

    @app.event("app_mention")
    def mention(ack: Ack) -> None:
        ack()

    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_BoltHTTP,), {"app": app}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    emu.http_target = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    try:
        assert emu.url_verification("abc").payload == {"challenge": "abc"}
        ack = emu.slash_command(alice, channel_id, command="/status")
        assert ack.status == 200 and ack.payload == {"text": "checking…"}
        emu.wait_for(lambda: emu.responses)
        assert emu.messages(channel_id)[-1].text == "all green"
        assert emu.slash_command(alice, channel_id, command="/status", signature="invalid").status == 401
        assert emu.slash_command(alice, channel_id, command="/status", signature="stale").status == 401
        event = {
            "type": "app_mention",
            "user": alice,
            "channel": channel_id,
            "text": "<@bot> hi",
            "ts": "1.000001",
        }
        assert emu.event(event, retry_num=1).status == 200
    finally:
        server.shutdown()
        server.server_close()


def test_socket_mode_interactions_events_and_concurrency(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice")
    channel_id = emu.add_channel("incidents", members=[alice])
    app = _app(emu, channel_id)
    seen: list[tuple[str, Any]] = []

    @app.action("ack_page")
    def clicked(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        seen.append(("action", body["actions"][0]["value"]))
        respond(text="Acknowledged", replace_original=True)

    @app.shortcut("declare_global")
    def global_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=DECLARE_VIEW)

    @app.event("reaction_added")
    def reacted(event: dict[str, Any], body: dict[str, Any]) -> None:
        seen.append(("reaction", event["reaction"]))

    handler = SocketModeHandler(app, emu.app_token)
    handler.connect()
    try:
        emu.wait_for(lambda: emu.socket_connections)
        client = WebClient(token=emu.bot_token, base_url=emu.web_api_url)
        button = {
            "type": "button",
            "action_id": "ack_page",
            "value": "page-7",
            "text": {"type": "plain_text", "text": "Ack"},
        }
        posted = client.chat_postMessage(
            channel=channel_id, text="Paged", blocks=[{"type": "actions", "elements": [button]}]
        )
        emu.block_action(alice, emu.messages(channel_id)[0], "ack_page")
        emu.wait_for(lambda: emu.messages(channel_id)[0].text == "Acknowledged")
        emu.reaction_added(alice, channel_id, posted["ts"], "eyes")
        emu.wait_for(lambda: ("reaction", "eyes") in seen)
        assert ("action", "page-7") in seen

        emu.shortcut(alice, "declare_global")
        emu.wait_for(lambda: [v for v in emu.views.values() if v.user == alice])

        futures = [emu.slash_command_nowait(alice, channel_id, f"n{i}", command="/incident") for i in range(30)]
        acks = [f.result(timeout=10) for f in futures]
        assert all(not a.timed_out and a.ack_ms is not None for a in acks)
        emu.wait_for(lambda: len(emu.views) == 31)
    finally:
        handler.close()
