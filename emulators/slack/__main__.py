"""`python -m emulators.slack --port 3001`: run the emulator standalone, e.g. for a `vigil serve` of your own (README,
"Try it without Slack"), with the workspace `vigil try` has (:mod:`emulators.slack.playground`). It prints the
settings a bot needs as `export` lines to paste into the shell that runs it; its console (`/console`) lets a person
type slash commands and read the channels."""

from __future__ import annotations

import argparse
import contextlib
import secrets
import shlex
import threading
from urllib.parse import urlsplit

from emulators.slack.emulator import SlackEmulator
from emulators.slack.playground import CHANNELS, PEOPLE, SIGNED_IN, Workspace, seed


def main() -> None:
    """Start an emulator with the playground's people and channels and print how to point a bot at it."""
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
        print(instructions(emu, seed(emu), options.http_target), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def instructions(emu: SlackEmulator, workspace: Workspace, http_target: str | None) -> str:
    """The workspace as comments, then the bot's settings as `export` lines: pasted into a shell, they are the
    environment `vigil serve` (or `vigil serve --http`, given ``http_target``) needs to run against ``emu``."""
    settings = {
        "SLACK_API_URL": emu.web_api_url,
        "SLACK_BOT_TOKEN": emu.bot_token,
        "SLACK_APP_TOKEN": emu.app_token,
        "SLACK_SIGNING_SECRET": emu.signing_secret,
        "VIGIL_ANNOUNCE_CHANNEL": workspace.announce,
        "VIGIL_TRIAGE_CHANNEL": workspace.triage,
        "VIGIL_OIDC_CLIENT_ID": emu.client_id,
        "VIGIL_OIDC_CLIENT_SECRET": emu.client_secret,
        "VIGIL_OIDC_DISCOVERY_URL": emu.oidc_configuration_url,
        "VIGIL_WEB_SESSION_SECRET": secrets.token_urlsafe(32),
    }
    if http_target:
        target = urlsplit(http_target)
        settings["VIGIL_WEB_BASE_URL"] = f"{target.scheme}://{target.netloc}"
    mode = "vigil serve --http" if http_target else "vigil serve"
    return "\n".join(
        [
            f"# Slack emulator at {emu.base_url} with {', '.join(PEOPLE)} in "
            f"{', '.join('#' + name for name in CHANNELS)};",
            f'# its "Sign in with Slack" signs in as {SIGNED_IN}. Type /incident at {emu.base_url}console.',
            f"# For `{mode}`, paste these lines into its shell:",
            *(f"export {name}={shlex.quote(value)}" for name, value in settings.items()),
            "# Ctrl-C stops the emulator.",
        ]
    )


if __name__ == "__main__":
    main()
