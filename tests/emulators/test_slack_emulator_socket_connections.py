"""Socket Mode with several connections, as an app with several replicas holds: each envelope reaches one of them;
an event whose delivery failed (its connection dropped before the ack) is sent again, to a connection still open,
marked as a retry; a slash command is not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse

from emulators.slack import SlackEmulator


class Replica:
    """One Socket Mode connection that records the envelopes it is given, and acks them if ``acks``."""

    def __init__(self, emu: SlackEmulator, *, acks: bool = True) -> None:
        self.acks, self.envelopes = acks, list[dict[str, Any]]()
        self._lock = threading.Lock()
        web = WebClient(token=emu.bot_token, base_url=emu.web_api_url)
        self.client = SocketModeClient(app_token=emu.app_token, web_client=web, auto_reconnect_enabled=False)
        self.client.message_listeners.append(self._on_envelope)

    def _on_envelope(self, client: BaseSocketModeClient, message: dict[str, Any], _raw: str | None) -> None:
        if "envelope_id" not in message:
            return
        with self._lock:
            self.envelopes.append(message)
        if self.acks:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=message["envelope_id"]))

    def event_ids(self) -> list[str]:
        with self._lock:
            return [e["payload"].get("event_id", "") for e in self.envelopes]


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(rate_limit_window_s=1.0) as emulator:  # apps.connections.open is Tier 1: a minute apart
        yield emulator


@contextmanager
def connected(emu: SlackEmulator, *replicas: Replica) -> Iterator[None]:
    for replica in replicas:
        replica.client.connect()
    try:
        yield
    finally:
        for replica in replicas:
            replica.client.close()


def _event(user: str, channel: str) -> dict[str, Any]:
    return {"type": "reaction_added", "user": user, "reaction": "eyes", "item": {"type": "message", "channel": channel}}


def test_each_envelope_reaches_exactly_one_of_the_connections(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice")
    channel = emu.add_channel("general", members=[alice])
    first, second = Replica(emu), Replica(emu)
    with connected(emu, first, second):
        emu.wait_for(lambda: emu.socket_connections == 2)
        acks = [emu.event(_event(alice, channel)) for _ in range(10)]
        acks += [emu.slash_command(alice, channel, f"note {n}") for n in range(10)]
    sent = sorted(a.envelope_id for a in acks)
    received = sorted(e["envelope_id"] for e in first.envelopes + second.envelopes)
    assert received == sent, "every envelope arrived, and on one connection only"
    assert first.envelopes and second.envelopes, "both connections are used"


def test_an_event_whose_connection_dropped_before_the_ack_is_sent_again_to_another(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice")
    channel = emu.add_channel("general", members=[alice])
    dying, survivor = Replica(emu, acks=False), Replica(emu)
    with connected(emu, dying):
        emu.wait_for(lambda: emu.socket_connections == 1)
        pending = emu.event_nowait(_event(alice, channel), event_id="Ev0DROPPED1")
        emu.wait_for(lambda: dying.event_ids() == ["Ev0DROPPED1"])
        with connected(emu, survivor):
            emu.wait_for(lambda: emu.socket_connections == 2)
            dying.client.close()  # the replica dies holding the envelope
            assert pending.result(timeout=10).timed_out
            retry = emu.wait_for(lambda: survivor.envelopes, timeout=10)
    assert [(e["payload"]["event_id"], e["retry_attempt"], e["retry_reason"]) for e in retry] == [
        ("Ev0DROPPED1", 1, "timeout")
    ]
    assert [a.timed_out for a in emu.acks] == [True, False]


def test_a_slash_command_whose_connection_dropped_is_not_sent_again(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice")
    channel = emu.add_channel("general", members=[alice])
    dying, survivor = Replica(emu, acks=False), Replica(emu)
    with connected(emu, dying):
        emu.wait_for(lambda: emu.socket_connections == 1)
        pending = emu.slash_command_nowait(alice, channel, "note lost with its replica")
        emu.wait_for(lambda: dying.envelopes)
        with connected(emu, survivor):
            emu.wait_for(lambda: emu.socket_connections == 2)
            dying.client.close()
            assert pending.result(timeout=10).timed_out
            assert survivor.envelopes == [], "the person is shown an error; Slack does not send it again"
