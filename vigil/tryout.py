"""``vigil try``: all of Vigil on this machine, with no Slack workspace and nothing to configure.

Starts the bundled Slack emulator (a workspace with three people and two channels, whose "Sign in with Slack" lets
you into the web view), the bot against it in HTTP mode, and in the bot's process the web view and the intake API;
creates an API key; and prints where each is and how to drive it: the web view's address, the key, a ``curl`` that
declares an incident through the API, and how to type ``/incident`` as one of the emulated people. Everything runs
on loopback, on a scratch SQLite database in a temporary directory that is deleted when Ctrl-C stops it all.

The environment is not read: it may hold a real workspace's or Jira's credentials, and nothing here may reach them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shlex
import tempfile
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.http import SLACK_EVENTS_PATH
from bot.serve import Bot, SlackUnreachable
from emulators.slack import SlackEmulator
from incidents import apikeys, migrate
from incidents.context import Domain
from incidents.errors import VigilError
from vigil.emulated import emulated_settings

T = TypeVar("T")

LOOPBACK = "127.0.0.1"
PEOPLE = ("maya", "sam", "lee")
SIGNED_IN = "maya"
"""Who the emulator's "Sign in with Slack" signs in, with no password: the playground answers on loopback only."""
CHANNELS = ("general", "incidents")
"""Everyone is in both; incidents are announced in the second."""
EXAMPLE_DECLARE: dict[str, Any] = {
    "title": "Coordinated harassment of a creator after a livestream",
    "types": ["hate_harassment"],
    "severity": "SEV2",
    "region": "EMEA",
    "detection_source": "trust-and-safety hotline",
    "external_ref": "HOTLINE-1042",
}
"""A request body for ``POST /api/v1/incidents`` (the README shows the same one)."""
EXAMPLE_COMMAND = "/incident declare SEV2 type:fraud_scam Scam wave targeting hosts"


@dataclass(frozen=True)
class Playground:
    """Where everything is, once it runs."""

    base_url: str
    emulator_url: str
    database: Path
    api_key: str
    channels: tuple[str, ...]

    def instructions(self) -> str:
        declare = " ".join(
            [
                f"curl -sS {self.base_url}/api/v1/incidents",
                f"-H {shlex.quote('Authorization: Bearer ' + self.api_key)}",
                "-H 'Content-Type: application/json' -H 'Idempotency-Key: try-1'",
                f"-d {shlex.quote(json.dumps(EXAMPLE_DECLARE))}",
            ]
        )
        slash = " ".join(
            [
                f"curl -sS {self.emulator_url}console/command",
                f"-d user={SIGNED_IN} -d channel=general",
                f"--data-urlencode {shlex.quote('text=' + EXAMPLE_COMMAND)}",
            ]
        )
        return "\n".join(
            [
                "Vigil is running with an emulated Slack workspace; nothing leaves this machine.",
                "",
                f"  Web view   {self.base_url}/web/   (signs you in as {SIGNED_IN} through the emulator)",
                f"  API key    {self.api_key}",
                f"  API docs   {self.base_url}/api/v1/openapi.json",
                f"  Slack      {self.emulator_url}console   (type /incident as {', '.join(PEOPLE)})",
                f"  Channels   {', '.join(self.channels)}",
                f"  Database   {self.database}   (scratch SQLite, deleted on exit)",
                "",
                "Declare an incident through the intake API:",
                "",
                f"  {declare}",
                "",
                "Or type a slash command in Slack without a browser:",
                "",
                f"  {slash}",
                "",
                "Ctrl-C stops everything.",
            ]
        )


def try_everything(args: argparse.Namespace) -> int:
    with ExitStack() as stack:
        database = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vigil-try-"))) / "vigil-try.db"
        url = f"sqlite:///{database}"
        migrate.upgrade(url)
        emulator = SlackEmulator(host=LOOPBACK, port=args.slack_port)
        emu = _bound(lambda: stack.enter_context(emulator), args.slack_port, "--slack-port")
        announce = _seed(emu)
        base_url = f"http://{LOOPBACK}:{args.port}"
        settings = emulated_settings(
            emu,
            url,
            announce_channel=announce,
            oidc_discovery_url=emu.oidc_configuration_url,
            oidc_client_id=emu.client_id,
            oidc_client_secret=emu.client_secret,
            web_session_secret=secrets.token_urlsafe(32),
            web_base_url=base_url,
        )
        domain = Domain.from_settings(settings)
        stack.callback(domain.engine.dispose)
        try:
            bot = Bot(settings, domain)
        except SlackUnreachable as exc:
            raise VigilError(str(exc)) from None
        server = _bound(lambda: bot.http_server(LOOPBACK, args.port), args.port, "--port")
        emu.http_target = f"{server.url}{SLACK_EVENTS_PATH}"
        with domain.unit() as ctx:
            _key, token = apikeys.create_key(ctx, actor="cli:vigil-try", name="try", scopes=list(apikeys.SCOPES))
        stack.enter_context(bot)
        stack.enter_context(server)  # listening once this returns, so everything printed below answers at once
        playground = Playground(base_url, emu.base_url, database, token, tuple(f"#{name}" for name in CHANNELS))
        print(playground.instructions(), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()  # until Ctrl-C
    print("Stopped; the scratch database is gone.")
    return 0


def _seed(emu: SlackEmulator) -> str:
    """The workspace's people and channels; returns the announcements channel's id."""
    people = [emu.add_user(name, name.title(), f"{name}@example.com") for name in PEOPLE]
    emu.oidc_login_as(people[PEOPLE.index(SIGNED_IN)])
    return [emu.add_channel(name, members=people) for name in CHANNELS][-1]


def _bound(start: Callable[[], T], port: int, option: str) -> T:
    """``start()``, whose OSError (the port is taken) becomes one line naming the option to change."""
    try:
        return start()
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise VigilError(f"Port {port} is not free ({reason}); pass another with {option}.") from None
