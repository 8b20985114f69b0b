"""The Slack emulator driven by the real slack_sdk WebClient: it must accept and refuse what Slack does."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from emulators.slack import SlackEmulator


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=emu.bot_token, base_url=emu.web_api_url)


def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["error"])


def test_create_channel_and_naming_rules(emu: SlackEmulator, client: WebClient) -> None:
    created = client.conversations_create(name="inc-42-db_outage", is_private=True)
    channel = emu.channels[created["channel"]["id"]]
    assert channel.name == "inc-42-db_outage" and channel.is_private and emu.bot_user_id in channel.members
    assert _error(lambda: client.conversations_create(name="inc-42-db_outage")) == "name_taken"
    assert _error(lambda: client.conversations_create(name="Incident!")) == "invalid_name_specials"
    assert _error(lambda: client.conversations_create(name="x" * 81)) == "invalid_name_maxlength"
    assert _error(lambda: client.conversations_create(name="")) == "invalid_name_required"


def test_auth_errors(emu: SlackEmulator) -> None:
    assert _error(lambda: WebClient(token="xoxb-nope", base_url=emu.web_api_url).auth_test()) == "invalid_auth"
    app_client = WebClient(token=emu.app_token, base_url=emu.web_api_url)
    assert _error(app_client.auth_test) == "not_allowed_token_type"
    bot_client = WebClient(token=emu.bot_token, base_url=emu.web_api_url)
    assert _error(lambda: bot_client.apps_connections_open(app_token=emu.bot_token)) == "not_allowed_token_type"
    assert app_client.apps_connections_open(app_token=emu.app_token)["url"].startswith("ws://127.0.0.1:")


def test_invite_and_membership_errors(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice", "Alice Example", "alice@example.com")
    bob = emu.add_user("bob")
    channel_id = client.conversations_create(name="inc-1")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users=f"{alice},{bob}")
    assert {alice, bob} <= emu.channels[channel_id].members
    assert _error(lambda: client.conversations_invite(channel=channel_id, users=alice)) == "already_in_channel"
    everyone_in = _error(lambda: client.conversations_invite(channel=channel_id, users=alice, force=True))
    assert everyone_in == "already_in_channel"
    carol = emu.add_user("carol")
    mixed = client.conversations_invite(channel=channel_id, users=f"{alice},{carol}", force=True)
    assert mixed["errors"] == [{"user": alice, "ok": False, "error": "already_in_channel"}]
    assert _error(lambda: client.conversations_invite(channel=channel_id, users="UNOBODY")) == "user_not_found"
    assert _error(lambda: client.conversations_invite(channel=channel_id, users=emu.bot_user_id)) == "cant_invite_self"
    outside = emu.add_channel("elsewhere", bot_is_member=False)
    assert _error(lambda: client.conversations_invite(channel=outside, users=alice)) == "not_in_channel"
    assert client.users_lookupByEmail(email="alice@example.com")["user"]["id"] == alice
    assert _error(lambda: client.users_lookupByEmail(email="x@example.com")) == "users_not_found"


def test_post_update_pin_and_history(emu: SlackEmulator, client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-2")["channel"]["id"]
    posted = client.chat_postMessage(channel=channel_id, text="Declared", unfurl_links=False)
    client.chat_update(channel=channel_id, ts=posted["ts"], text="Declared: SEV1")
    client.pins_add(channel=channel_id, timestamp=posted["ts"])
    assert _error(lambda: client.pins_add(channel=channel_id, timestamp=posted["ts"])) == "already_pinned"
    [message] = emu.messages(channel_id)
    assert message.text == "Declared: SEV1" and message.edits[0].text == "Declared"
    assert message.unfurl_links is False and message.unfurl_media is None
    assert [p.ts for p in emu.pins(channel_id)] == [posted["ts"]]
    assert client.conversations_history(channel=channel_id)["messages"][0]["text"] == "Declared: SEV1"
    with pytest.warns(UserWarning, match="top-level `text`"):
        assert _error(lambda: client.chat_postMessage(channel=channel_id)) == "no_text"
    assert _error(lambda: client.chat_update(channel=channel_id, ts="1.000001", text="x")) == "message_not_found"
    private = emu.add_channel("secret", is_private=True, bot_is_member=False)
    assert _error(lambda: client.chat_postMessage(channel=private, text="hi")) == "channel_not_found"
    public = emu.add_channel("announcements", bot_is_member=False)
    assert client.chat_postMessage(channel=public, text="chat:write.public")["ok"]


def test_invalid_blocks_are_refused_like_slack(emu: SlackEmulator, client: WebClient) -> None:
    channel_id = emu.add_channel("inc-3")
    header = {"type": "header", "text": {"type": "mrkdwn", "text": "*no*"}}
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=channel_id, text="x", blocks=[header])
    assert caught.value.response["error"] == "invalid_blocks"
    assert "json-pointer:/blocks/0/text/type" in caught.value.response["response_metadata"]["messages"][0]
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert _error(lambda: client.chat_postMessage(channel=channel_id, text="x", blocks=[too_long])) == "invalid_blocks"
    ok = {"type": "section", "text": {"type": "mrkdwn", "text": "*fine*"}}
    assert client.chat_postMessage(channel=channel_id, text="x", blocks=[ok])["ok"]


def test_views_open_needs_a_fresh_trigger(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice")
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": []}
    stale = emu.issue_trigger_id(alice, issued_ago_s=4)
    assert _error(lambda: client.views_open(trigger_id=stale, view=view)) == "expired_trigger_id"
    assert _error(lambda: client.views_open(trigger_id="123.456.abc", view=view)) == "invalid_trigger_id"
    fresh = emu.issue_trigger_id(alice)
    long_title = {**view, "title": {"type": "plain_text", "text": "x" * 25}}
    assert _error(lambda: client.views_open(trigger_id=fresh, view=long_title)) == "invalid_arguments"
    opened = client.views_open(trigger_id=fresh, view=view)["view"]
    assert emu.views[opened["id"]].user == alice
    assert _error(lambda: client.views_open(trigger_id=fresh, view=view)) == "trigger_exchanged"
    stale_hash = opened["hash"]
    client.views_update(view_id=opened["id"], view=view, hash=stale_hash)
    assert _error(lambda: client.views_update(view_id=opened["id"], view=view, hash=stale_hash)) == "hash_conflict"


def test_rate_limit_answers_429_and_sdk_retry_handler_recovers() -> None:
    with SlackEmulator(rate_limit_window_s=1.0) as emu:
        client = WebClient(token=emu.bot_token, base_url=emu.web_api_url)
        for i in range(20):
            client.conversations_create(name=f"burst-{i}")
        with pytest.raises(SlackApiError) as caught:
            client.conversations_create(name="burst-over")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "1"
        assert caught.value.response.data == {"ok": False, "error": "ratelimited"}
        patient = WebClient(
            token=emu.bot_token,
            base_url=emu.web_api_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
        )
        assert patient.conversations_create(name="burst-over")["ok"]
        assert [c.status for c in emu.calls_to("conversations.create")][-2:] == [429, 200]


def test_fail_next_latency_and_outage(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("chat.postMessage", error="fatal_error")
    channel_id = emu.add_channel("inc-4")
    assert _error(lambda: client.chat_postMessage(channel=channel_id, text="x")) == "fatal_error"
    emu.fail_next("auth.test", status=503)
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response.status_code == 503
    emu.set_latency("auth.test", 150)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.15
    emu.go_down()
    with pytest.raises(OSError):  # URLError: connection refused
        client.auth_test()
    emu.come_up()
    assert client.auth_test()["ok"]
    last = emu.calls[-1]
    assert last.method == "auth.test" and last.ok and last.finished_at >= last.started_at


def test_lose_answer_next_carries_the_call_out_then_hangs_up(emu: SlackEmulator) -> None:
    """As when a connection to Slack dies after the change: the message exists, the client hears nothing."""
    client = WebClient(token=emu.bot_token, base_url=emu.web_api_url, retry_handlers=[])
    first, second = emu.add_channel("inc-5"), emu.add_channel("inc-6")
    emu.lose_answer_next("chat.postMessage", channel=second)
    emu.lose_answer_next("auth.test", times=2)
    assert client.chat_postMessage(channel=first, text="answered")["ok"], "only calls to the named channel"
    with pytest.raises(ConnectionError):  # http.client.RemoteDisconnected
        client.chat_postMessage(channel=second, text="unanswered")
    assert [m.text for m in emu.messages(second)] == ["unanswered"]
    for _ in range(2):
        with pytest.raises(ConnectionError):
            client.auth_test()
    assert client.auth_test()["ok"], "the fault is used up"
    emu.lose_answer_next("chat.postMessage")
    emu.fail_next("chat.postMessage", error="fatal_error")
    assert _error(lambda: client.chat_postMessage(channel=first, text="refused")) == "fatal_error"
    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel=first, text="lost")
    assert [m.text for m in emu.messages(first)] == ["answered", "lost"]


def test_files_upload_v2_shares_into_channel(emu: SlackEmulator, client: WebClient) -> None:
    channel_id = emu.add_channel("inc-5")
    client.files_upload_v2(channel=channel_id, content="timeline", filename="timeline.txt", title="Timeline")
    [file] = emu.files.values()
    assert file.content == b"timeline" and file.channels == [channel_id] and file.title == "Timeline"
    assert emu.messages(channel_id)[-1].files == [file.id]


def test_openid_connect_flow(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice", "Alice Example", "alice@example.com")
    emu.oidc_login_as(alice)
    config = json.load(urllib.request.urlopen(emu.oidc_configuration_url))
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "scope": "openid email profile",
            "client_id": emu.client_id,
            "state": "s1",
            "nonce": "n1",
            "redirect_uri": "http://localhost:9/callback",
        }
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{config['authorization_endpoint']}?{query}")
    location = urllib.parse.urlparse(redirect.value.headers["Location"])
    params = dict(urllib.parse.parse_qsl(location.query))
    assert params["state"] == "s1"
    anonymous = WebClient(base_url=emu.web_api_url)
    token = anonymous.openid_connect_token(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        code=params["code"],
        redirect_uri="http://localhost:9/callback",
    )
    claims = json.loads(_b64(token["id_token"].split(".")[1]))
    assert claims["sub"] == alice and claims["nonce"] == "n1" and claims["iss"] == "https://slack.com"
    info = WebClient(token=token["access_token"], base_url=emu.web_api_url).openid_connect_userInfo()
    assert info["email"] == "alice@example.com" and info["https://slack.com/team_id"] == emu.team_id


def _b64(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
