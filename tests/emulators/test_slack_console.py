"""The emulator's console over HTTP, as a browser's forms post it, against a real slack_bolt app on Socket Mode:
a modal with every kind of input is shown as a form and submitted as Slack's ``view_submission`` (state.values in
Slack's shapes); the app's ``response_action: errors`` show beside their fields and empty required fields are marked
without reaching the app; Close sends ``view_closed`` to a view that asked; a message's button and menu, and a
button in a reply only the person sees, send ``block_actions`` (the reply then replaced in place)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from emulators.slack import SlackEmulator, View
from emulators.slack.console.forms import REQUIRED, field_name
from emulators.slack.console.routes import NO_APP
from tests.emulators.console_client import button_fields

pytestmark = pytest.mark.emulator


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _options(*values: str) -> list[dict[str, Any]]:
    return [{"text": _text(v.title()), "value": v} for v in values]


def _input(block_id: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": _text(block_id.title()), "optional": optional,
            "element": {**element, "action_id": "value"}}  # fmt: skip


EVERY_INPUT: dict[str, Any] = {
    "type": "modal",
    "callback_id": "everything",
    "notify_on_close": True,
    "title": _text("Everything"),
    "submit": _text("Send"),
    "close": _text("Never mind"),
    "blocks": [
        _input("title", {"type": "plain_text_input", "max_length": 80}),
        _input("story", {"type": "plain_text_input", "multiline": True}, optional=True),
        _input("severity", {"type": "static_select", "options": _options("low", "high")}),
        _input("types", {"type": "multi_static_select", "options": _options("fraud", "spam", "abuse")}),
        _input("owner", {"type": "users_select"}, optional=True),
        _input("checks", {"type": "checkboxes", "options": _options("legal", "press")}, optional=True),
        _input("reach", {"type": "radio_buttons", "options": _options("local", "global")}, optional=True),
        _input("due", {"type": "datepicker"}, optional=True),
    ],
}
ASK_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "block_id": "ask", "text": {"type": "mrkdwn", "text": "*Pick* for <@{user}>"}},
    {"type": "actions", "block_id": "pick", "elements": [
        {"type": "button", "action_id": "go", "text": _text("Go"), "value": "42", "style": "primary"},
        {"type": "static_select", "action_id": "size", "options": _options("small", "large")},
    ]},
]  # fmt: skip
REFRESH_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Only you see this"}},
    {"type": "actions", "block_id": "reply", "elements": [
        {"type": "button", "action_id": "refresh", "text": _text("Refresh"), "value": "r"}]},
]  # fmt: skip


@dataclass
class Heard:
    """What the app received."""

    submissions: list[dict[str, Any]] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


def _app(emu: SlackEmulator, heard: Heard) -> App:
    app = App(client=WebClient(token=emu.bot_token, base_url=emu.web_api_url), signing_secret=emu.signing_secret)

    @app.command("/incident")
    def command(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        if body["text"] == "ask":
            blocks = [{**b, "text": {**b["text"], "text": b["text"]["text"].format(user=body["user_id"])}}
                      if b["type"] == "section" else b for b in ASK_BLOCKS]  # fmt: skip
            client.chat_postMessage(channel=body["channel_id"], text="Pick one", blocks=blocks)
            respond(text="Only you see this", blocks=REFRESH_BLOCKS)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=EVERY_INPUT)

    @app.view("everything")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        heard.submissions.append(view["state"]["values"])
        if view["state"]["values"]["title"]["value"]["value"] == "no":
            ack(response_action="errors", errors={"title": "Say a bit more"})
        else:
            ack()

    @app.view_closed("everything")
    def closed(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        heard.closed.append(body)

    @app.action(re.compile("go|size"))
    def picked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        heard.actions.append(body)

    @app.action("refresh")
    def refresh(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        heard.actions.append(body)
        respond(replace_original=True, text="Refreshed at the person's request")

    return app


@dataclass
class Console:
    emu: SlackEmulator
    heard: Heard
    alice: str
    bob: str
    channel: str
    http: httpx.Client

    def type(self, text: str) -> str:
        """The page after typing ``text`` in the command box as alice."""
        return self.post("/console", text=text)

    def page(self, user: str = "alice") -> str:
        answer = self.http.get("/console", params={"user": user, "channel": "general"})
        assert answer.status_code == 200, answer.text
        return answer.text

    def post(self, path: str, **fields: Any) -> str:
        answer = self.http.post(path, data={"user": "alice", "channel": "general", **fields})
        assert answer.status_code == 200, answer.text
        return answer.text

    def open_modal(self) -> View:
        self.type("/incident")
        return next(v for v in self.emu.views.values() if v.user == self.alice and not v.closed)


@pytest.fixture
def console() -> Iterator[Console]:
    with SlackEmulator() as emu:
        alice, bob = emu.add_user("alice"), emu.add_user("bob")
        channel = emu.add_channel("general", members=[alice, bob])
        heard = Heard()
        handler = SocketModeHandler(_app(emu, heard), emu.app_token)
        handler.connect()
        try:
            emu.wait_for(lambda: emu.socket_connections)
            with httpx.Client(base_url=emu.base_url, follow_redirects=True, timeout=30) as http:
                yield Console(emu, heard, alice, bob, channel, http)
        finally:
            handler.close()


def _field(block_id: str) -> str:
    return field_name(block_id, "value")


def test_a_modal_is_a_form_whose_submit_is_slacks_view_submission(console: Console) -> None:
    view = console.open_modal()
    page = console.page()
    assert 'class="modal"' in page and "Everything" in page and "Never mind" in page
    for kind in ('type="text"', "<textarea", 'type="checkbox"', 'type="radio"', 'type="date"', "<select multiple"):
        assert kind in page, kind
    assert ">bob</option>" in page and ">vigil</option>" not in page  # the users_select offers people, not apps

    form = {
        "do": "submit",
        _field("title"): "Scam wave",
        _field("story"): "",
        _field("severity"): "high",
        _field("types"): ["fraud", "abuse"],
        _field("owner"): console.bob,
        _field("checks"): "press",
        _field("reach"): "global",
        _field("due"): "2026-12-24",
    }
    console.post(f"/console/view/{view.id}", **form)

    assert console.heard.submissions == [
        {
            "title": {"value": {"type": "plain_text_input", "value": "Scam wave"}},
            "story": {"value": {"type": "plain_text_input", "value": None}},
            "severity": {"value": {"type": "static_select", "selected_option": _options("high")[0]}},
            "types": {"value": {"type": "multi_static_select", "selected_options": _options("fraud", "abuse")}},
            "owner": {"value": {"type": "users_select", "selected_user": console.bob}},
            "checks": {"value": {"type": "checkboxes", "selected_options": _options("press")}},
            "reach": {"value": {"type": "radio_buttons", "selected_option": _options("global")[0]}},
            "due": {"value": {"type": "datepicker", "selected_date": "2026-12-24"}},
        }
    ]
    assert console.emu.views[view.id].closed and 'class="modal"' not in console.page()


def test_errors_show_beside_their_fields_and_what_was_typed_stays(console: Console) -> None:
    view = console.open_modal()
    page = console.post(f"/console/view/{view.id}", do="submit", **{_field("title"): "no", _field("types"): "spam"})
    assert console.heard.submissions == [], "an empty required field never reaches the app"
    assert _error_beside(page, "severity") == REQUIRED

    page = console.post(
        f"/console/view/{view.id}",
        do="submit",
        **{_field("title"): "no", _field("severity"): "low", _field("types"): "spam", _field("story"): "<b>kept</b>"},
    )
    assert len(console.heard.submissions) == 1
    assert _error_beside(page, "title") == "Say a bit more" and _error_beside(page, "severity") is None
    assert "&lt;b&gt;kept&lt;/b&gt;</textarea>" in page and "<b>kept</b>" not in page
    assert re.search(r'<option value="low" selected>', page)


def test_close_tells_an_app_that_asked(console: Console) -> None:
    view = console.open_modal()
    console.post(f"/console/view/{view.id}", do="close")
    assert console.emu.views[view.id].closed
    [closed] = console.heard.closed
    assert closed["type"] == "view_closed" and closed["view"]["id"] == view.id


def test_buttons_and_menus_send_block_actions_and_a_reply_is_replaced_in_place(console: Console) -> None:
    page = console.type("/incident ask")
    message = console.emu.wait_for(lambda: console.emu.messages(console.channel))[0]
    assert "<b>Pick</b> for" in page and '<span class="mention">@alice</span>' in page
    assert "Only you see this" in page and "Only visible to you" in page

    console.post("/console/action", **{"in": console.channel, "ts": message.ts, "do": field_name("pick", "go")})
    console.post("/console/action", **{"in": console.channel, "ts": message.ts, "do": field_name("pick", "size"),
                                       "value": "large"})  # fmt: skip
    go, size = console.heard.actions
    assert go["actions"][0]["value"] == "42" and go["user"]["id"] == console.alice
    assert go["container"] == {"type": "message", "message_ts": message.ts, "channel_id": console.channel,
                               "is_ephemeral": False}  # fmt: skip
    assert size["actions"][0]["selected_option"] == _options("large")[0]

    page = console.post("/console/action", **button_fields(page, "Refresh"))
    assert console.heard.actions[-1]["container"]["is_ephemeral"] is True
    assert "Refreshed at the person&#x27;s request" in page or "Refreshed at the person's request" in page
    assert "Only you see this" not in page


def test_a_dm_to_someone_else_shows_its_buttons_disabled(console: Console) -> None:
    client = WebClient(token=console.emu.bot_token, base_url=console.emu.web_api_url)
    dm = client.conversations_open(users=console.bob)["channel"]["id"]
    client.chat_postMessage(channel=dm, text="Take it?", blocks=ASK_BLOCKS[1:])
    as_alice, as_bob = console.page("alice"), console.page("bob")
    assert "Only bob sees these: act as them to use them" in as_alice
    assert re.search(r"<button[^>]*disabled[^>]*>Go</button>", as_alice)
    assert re.search(r"<button(?![^>]*disabled)[^>]*>Go</button>", as_bob)


def _error_beside(page: str, block_id: str) -> str | None:
    """The error shown in the input block labelled ``block_id.title()``."""
    for block in page.split('<div class="block input')[1:]:
        if re.search(rf">{block_id.title()}(<span class=\"optional\">.*?)?</(label|legend)>", block):
            found = re.search(r'<p class="error" role="alert">(.*?)</p>', block)
            return found.group(1) if found else None
    raise AssertionError(f"no input block {block_id!r} in the page")


def test_curl_is_told_where_a_form_opened(console: Console) -> None:
    answer = console.http.post("/console/command", data={"user": "alice", "channel": "#general", "text": "/incident"})
    assert answer.status_code == 200
    [told] = answer.json()["replies"]
    assert told == f"Opened the form “Everything”: fill it in at {console.emu.base_url}console?user=alice"


def test_with_no_app_connected_or_no_such_person_the_console_says_so_in_one_line() -> None:
    with SlackEmulator() as emu, httpx.Client(base_url=emu.base_url, follow_redirects=True, timeout=30) as http:
        emu.add_channel("general", members=[emu.add_user("alice")])
        answer = http.post("/console/command", data={"user": "alice", "channel": "general", "text": "/incident"})
        assert answer.status_code == 400
        assert answer.json()["error"] == NO_APP
        page = http.post("/console", data={"user": "alice", "channel": "general", "text": "/incident help"})
        assert page.status_code == 200 and NO_APP in page.text
        nobody = http.get("/console", params={"user": "nobody"})
        assert nobody.status_code == 400 and "No person &#x27;nobody&#x27; in this workspace" in nobody.text
