"""``vigil try``: all of Vigil on this machine, with no Slack workspace and nothing to configure.

Starts the bundled Slack emulator (a workspace with three people and two channels, whose "Sign in with Slack" lets
you into the web view), the bundled PagerDuty emulator (sam on call for the policy's ``default`` service), the bot
against both in HTTP mode, and in the bot's process the web view and the intake API; creates an API key; and prints
where each is and how to drive it: the web view's address, the key, a ``curl`` that declares an incident through
the API, how to type ``/incident`` as one of the emulated people, and how to see a SEV1's page and acknowledge it.
PagerDuty has an app, not an address one can ``curl``, so a small console stands in for it: ``GET /`` lists the
pages, ``POST /acknowledge`` presses Acknowledge as the person on call; the acknowledgement comes back to the
incident's channel through PagerDuty's webhook, as in production. Everything runs on loopback, on a scratch SQLite
database in a temporary directory that is deleted when Ctrl-C stops it all (or SIGTERM, or SIGHUP: a closed
terminal, a process manager, ``kill``).

The environment is not read: it may hold a real workspace's or Jira's credentials, and nothing here may reach them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shlex
import signal
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from bot.http import SLACK_EVENTS_PATH
from emulators.pagerduty import PagerDutyEmulator
from emulators.slack import SlackEmulator
from emulators.slack.playground import CHANNELS, PEOPLE, SIGNED_IN, email, seed
from incidents import migrate
from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.errors import VigilError
from incidents.paging.delivery import Pager
from incidents.paging.wiring import paging_handlers
from vigil.emulated import EmulatedPaging, emulated_settings
from vigil.process import Bot, SlackUnreachable, stopping_on
from web.server import WebServer

T = TypeVar("T")

LOOPBACK = "127.0.0.1"
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
EXAMPLE_SIGNAL: dict[str, Any] = {
    "source": "hotline",
    "type": "hate_harassment",
    "region": "EMEA",
    "subject": "@creator_7781",
    "text": "Caller reports a pile-on in the comments of a creator's livestream",
    "external_ref": "call-1",
}
"""A report for ``POST /api/v1/signals``: it waits in #triage until someone declares, attaches or dismisses it."""
ON_CALL = "sam"
"""Who is on call in the emulated PagerDuty."""
PAGING_COMMAND = "/incident declare SEV1 type:threat_violence Threats against a host after a cancelled stay"
"""A declaration the shipped policy pages for (SEV0 and SEV1 page at declare)."""


@dataclass(frozen=True)
class Playground:
    """Where everything is, once it runs."""

    base_url: str
    emulator_url: str
    database: Path
    api_key: str
    channels: tuple[str, ...]
    pagerduty_url: str
    paged: str
    """The label of the service a SEV1 pages."""

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
        sev1 = " ".join(
            [
                f"curl -sS {self.emulator_url}console/command",
                f"-d user={SIGNED_IN} -d channel=general",
                f"--data-urlencode {shlex.quote('text=' + PAGING_COMMAND)}",
            ]
        )
        acknowledge = f"curl -sS {self.pagerduty_url}/acknowledge -d user={ON_CALL}"
        report = " ".join(
            [
                f"curl -sS {self.base_url}/api/v1/signals",
                f"-H {shlex.quote('Authorization: Bearer ' + self.api_key)}",
                "-H 'Content-Type: application/json'",
                f"-d {shlex.quote(json.dumps(EXAMPLE_SIGNAL))}",
            ]
        )
        return "\n".join(
            [
                "Vigil is running with an emulated Slack workspace and PagerDuty; nothing leaves this machine.",
                "",
                f"  Web view   {self.base_url}/web/   (signs you in as {SIGNED_IN} through the emulator)",
                f"  API key    {self.api_key}",
                f"  API docs   {self.base_url}/api/v1/openapi.json",
                f"  Slack      {self.emulator_url}console   (type /incident as {', '.join(PEOPLE)})",
                f"  PagerDuty  {self.pagerduty_url}/   (emulated: its pages; {ON_CALL} is on call for {self.paged})",
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
                f"A SEV0 or SEV1 pages {self.paged} in PagerDuty. Declare a SEV1:",
                "",
                f"  {sev1}",
                "",
                f"See its page at {self.pagerduty_url}/ and acknowledge it as {ON_CALL}, as PagerDuty's app would:",
                "",
                f"  {acknowledge}",
                "",
                "Send a report as a hotline would: it waits in #triage (Declare, Attach or Dismiss it there):",
                "",
                f"  {report}",
                "",
                f'The incident\'s channel then says "Acknowledged by {ON_CALL.title()} via PagerDuty".',
                "",
                "Ctrl-C stops everything.",
            ]
        )


def try_everything(args: argparse.Namespace) -> int:
    stopping = stopping_on(signal.SIGTERM, signal.SIGHUP)  # first: stopped while starting, it still cleans up
    with ExitStack() as stack:
        database = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vigil-try-"))) / "vigil-try.db"
        url = f"sqlite:///{database}"
        migrate.upgrade(url)
        emulator = SlackEmulator(host=LOOPBACK, port=args.slack_port)
        emu = _bound(lambda: stack.enter_context(emulator), args.slack_port, "--slack-port")
        workspace = seed(emu)
        on_call = (ON_CALL.title(), email(ON_CALL))
        paging = EmulatedPaging.start(stack.enter_context(PagerDutyEmulator()), on_call)
        base_url = f"http://{LOOPBACK}:{args.port}"
        settings = emulated_settings(
            emu,
            url,
            announce_channel=workspace.announce,
            triage_channel=workspace.triage,
            oidc_discovery_url=emu.oidc_configuration_url,
            oidc_client_id=emu.client_id,
            oidc_client_secret=emu.client_secret,
            web_session_secret=secrets.token_urlsafe(32),
            web_base_url=base_url,
            **paging.settings(),
        )
        domain = Domain.from_settings(settings)
        stack.callback(domain.engine.dispose)
        try:
            bot = Bot(settings, domain)
        except SlackUnreachable as exc:
            raise VigilError(str(exc)) from None
        _page_through(bot, paging.pager(domain, settings))
        server = _bound(lambda: bot.http_server(LOOPBACK, args.port), args.port, "--port")
        emu.http_target = f"{server.url}{SLACK_EVENTS_PATH}"
        paging.deliver_to(server.url)
        console = WebServer(pagerduty_console(paging), host=LOOPBACK)
        with domain.unit() as ctx:
            _key, token = apikeys.create_key(ctx, actor="cli:vigil-try", name="try", scopes=list(apikeys.SCOPES))
        stack.enter_context(bot)
        stack.enter_context(server)  # listening once this returns, so everything printed below answers at once
        stack.enter_context(console)
        stack.callback(paging.emu.stop)  # before the server it delivers to: no webhook knocks on a closed port
        channels = tuple(f"#{name}" for name in CHANNELS)
        paged = paging.service.name
        playground = Playground(base_url, emu.base_url, database, token, channels, console.url, paged)
        print(playground.instructions(), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stopping.wait()  # until Ctrl-C, SIGTERM or SIGHUP
    print("Stopped; the scratch database is gone.")
    return 0


def _bound(start: Callable[[], T], port: int, option: str) -> T:
    """``start()``, whose OSError (the port is taken) becomes one line naming the option to change."""
    try:
        return start()
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise VigilError(f"Port {port} is not free ({reason}); pass another with {option}.") from None


def _page_through(bot: Bot, pager: Pager) -> None:
    """Have ``bot`` page through ``pager``, which trusts the emulator's certificate. The bot builds its own from the
    settings, trusting the system's certificates only, and takes no other: this one replaces it before anything is
    delivered (the dispatcher starts when the bot is entered)."""
    runtime = bot.runtime
    if runtime.pager is not None:
        runtime.pager.close()
    runtime.pager = pager
    runtime.dispatcher.handlers = {**runtime.dispatcher.handlers, **paging_handlers(bot.domain, pager)}


def pagerduty_console(paging: EmulatedPaging) -> FastAPI:
    """What PagerDuty's app would show and do, over HTTP: ``GET /`` lists the pages (newest first) as text, ``POST
    /acknowledge`` with ``user=<name>`` acknowledges the newest page nobody has acknowledged, as that person."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    emu = paging.emu

    @app.get("/")
    def pages() -> PlainTextResponse:
        lines = [
            f"{page.dedup_key}  {page.status}  {page.service.name} → "
            f"{', '.join(p.name for p in page.assignees) or 'nobody'}\n  {page.summary}"
            + (f"\n  acknowledged by {page.acknowledged_by.name}" if page.acknowledged_by else "")
            for page in reversed(emu.incidents)
        ]
        return PlainTextResponse("\n".join(lines or ["No pages yet: declare a SEV0 or SEV1."]) + "\n")

    @app.post("/acknowledge")
    async def acknowledge(request: Request) -> JSONResponse:
        name = str((await request.form()).get("user") or "")
        users = {u.name.lower(): u for u in emu.state.users.values()}
        user = users.get(name.strip().lower())
        if user is None:
            known = ", ".join(sorted(users))
            return JSONResponse({"ok": False, "error": f"Unknown user {name!r}: acknowledge as {known}."}, 400)
        waiting = [page for page in emu.incidents if page.status == "triggered"]
        if not waiting:
            return JSONResponse({"ok": False, "error": "No page is waiting: declare a SEV0 or SEV1 first."}, 404)
        emu.acknowledge(waiting[-1], by=user)
        return JSONResponse({"ok": True, "acknowledged": waiting[-1].dedup_key, "by": user.name})

    return app
