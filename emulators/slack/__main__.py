"""`python -m emulators.slack --port 3001`: run the emulator standalone, e.g. for a `vigil serve` of your own (README,
"Try it without Slack"); its console (`/console`) lets a person type slash commands and read the channels."""

from __future__ import annotations

import argparse
import contextlib
import threading

from emulators.slack.emulator import SlackEmulator


def main() -> None:
    """Start an emulator with a demo user and channel and print how to reach it."""
    parser = argparse.ArgumentParser(description="Local Slack emulator (Web API, Socket Mode, OIDC).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--no-rate-limits", action="store_true", help="do not answer 429s")
    parser.add_argument("--http-target", help="the app's Request URL, for HTTP-mode deliveries")
    options = parser.parse_args()
    emu = SlackEmulator(
        latency_ms=options.latency_ms,
        enforce_rate_limits=not options.no_rate_limits,
        host=options.host,
        port=options.port,
    )
    emu.http_target = options.http_target
    with emu:
        alice = emu.add_user("alice", "Alice Example", "alice@example.com")
        emu.oidc_login_as(alice)
        channel = emu.add_channel("general", members=[alice])
        print(f"Web API base URL   {emu.web_api_url}")
        print(f"SLACK_BOT_TOKEN    {emu.bot_token}")
        print(f"SLACK_APP_TOKEN    {emu.app_token}")
        print(f"SLACK_SIGNING_SECRET {emu.signing_secret}")
        print(f"OIDC client        {emu.client_id} / {emu.client_secret}")
        print(f"OIDC discovery     {emu.oidc_configuration_url}")
        print(f"users              alice={alice} (OIDC sign-in user); channel #general={channel}")
        print(f"Console            {emu.base_url}console (type /incident as alice; needs --http-target or Socket Mode)")
        print("Ctrl-C to stop.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
