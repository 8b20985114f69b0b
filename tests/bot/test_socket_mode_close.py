"""Stopping a replica closes its Socket Mode connection at once, every time: a deploy that waits on a hung close
never finishes (slack_sdk's reader could restart on the closing connection and be waited for forever)."""

from __future__ import annotations

import threading
import time

from slack_bolt import App
from slack_sdk import WebClient

from bot.socket_mode import SocketModeHandler
from emulators.slack import SlackEmulator
from incidents.timesource import SystemTime

CLOSES = 60
"""Without the fix, a close hung within the first ten or so on this machine."""


def test_closing_the_connection_never_hangs_and_takes_no_second() -> None:
    with SlackEmulator(rate_limit_window_s=0.001) as emu:  # apps.connections.open is Tier 1: no limit here
        app = App(client=WebClient(base_url=emu.web_api_url, token=emu.bot_token), token_verification_enabled=False)
        slowest = 0.0
        for n in range(CLOSES):
            handler = SocketModeHandler(app, emu.app_token, concurrency=2, time_source=SystemTime())
            handler.connect()
            emu.wait_for(lambda: emu.socket_connections > 0)
            started = time.perf_counter()
            closer = threading.Thread(target=handler.close, daemon=True)
            closer.start()
            closer.join(10)
            assert not closer.is_alive(), f"close {n + 1} of {CLOSES} hung"
            slowest = max(slowest, time.perf_counter() - started)
    assert slowest < 1.0, f"the slowest close took {slowest:.2f} s"
