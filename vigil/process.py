"""``vigil serve``: run the bot (Socket Mode by default, ``--http`` for HTTP mode) with the outbox dispatcher.

Refuses to start, with one line naming what is missing, when a token is absent or the database is not at the
latest schema. The process keeps no incident state in memory, so several replicas may serve one database.
:class:`Bot` is the running bot as ``vigil serve`` and ``vigil try`` both start it.

SIGTERM stops it gracefully and exits 0: it stops taking work (HTTP mode stops accepting and lets requests under
way finish; Socket Mode closes its connection, so Slack sends to the other replicas), steps down from the scheduler
(releasing its lock for a standby), lets the deliveries under way finish and hands the rows it had claimed but not
started back to the outbox.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from incidents.context import Domain
from incidents.observability import log_as_json
from incidents.privacy.detector import detector
from incidents.scheduling.service import start_scheduler
from incidents.settings import Settings, load_settings
from vigil.assembly import Runtime

if TYPE_CHECKING:
    from web.server import WebServer

MANIFEST_HINT = "create the Slack app from slack-app-manifest.yaml (README, 'Run it in Slack') and export it"
QUIET_LIBRARIES = ("presidio-analyzer",)
"""Libraries that narrate their start at INFO (Presidio lists its thirty recognizers): kept to warnings, so the
start-up log says what Vigil is doing."""


def missing_configuration(settings: Settings, *, http: bool) -> str | None:
    """The first missing variable as a sentence, or None when the bot can start in this mode."""
    needed = [("SLACK_BOT_TOKEN", settings.slack_bot_token)]
    if http:
        needed.append(("SLACK_SIGNING_SECRET", settings.slack_signing_secret))
    else:
        needed.append(("SLACK_APP_TOKEN", settings.slack_app_token))
    for name, value in needed:
        if not value:
            return f"{name} is not set; {MANIFEST_HINT}."
    return None


def settle_heap() -> None:
    """Move everything built at start-up (modules, the app, SQLAlchemy's mappers) out of the garbage collector's
    view: otherwise each full collection walks all of it, pausing every thread ~100 ms, and the acks caught in
    that pause were the slowest 1% (p99 14-80 ms at 50 requests/s; 7 ms with the heap frozen)."""
    gc.collect()
    gc.freeze()


class SlackUnreachable(Exception):
    """Slack refused the bot's token or did not answer at start; the message is one line saying which."""


class Bot:
    """The bot: the Slack app and its outbox dispatcher, the personal-data detector and the scheduler. Built (which
    checks the token with Slack), then run inside ``with``; leaving it stops the scheduler and the dispatcher."""

    def __init__(self, settings: Settings, domain: Domain) -> None:
        self.settings, self.domain = settings, domain
        try:
            self.runtime = Runtime(settings, domain)
        except (BoltError, SlackApiError, OSError) as exc:
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
            raise SlackUnreachable(f"Slack at {settings.slack_api_url} refused or did not answer ({reason}).") from None

    def __enter__(self) -> Bot:
        self.runtime.start_dispatcher()
        detector()  # built now (about two seconds), not by the first request that writes text
        settle_heap()
        self.scheduler = start_scheduler(self.domain, self.settings)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.scheduler.stop()
        self.runtime.stop()

    def http_server(self, host: str, port: int) -> WebServer:
        """Everything HTTP mode answers (Slack's requests, the Jira webhook, the intake API, the web view), bound to
        ``host:port`` (OSError when it is taken) and not yet serving."""
        from vigil.http_app import create_http_app  # the web side (FastAPI, Authlib) is loaded for HTTP mode only
        from web.server import WebServer

        app = create_http_app(self.runtime.app, self.domain, self.settings, self.runtime.templates)
        return WebServer(app, host=host, port=port)

    def operator_server(self, host: str, port: int) -> WebServer:
        """Socket Mode's small HTTP server for operators: ``/metrics``, ``/healthz`` and ``/readyz`` only."""
        from web.app import build_web_app
        from web.server import WebServer

        return WebServer(build_web_app(self.domain), host=host, port=port)

    def run_socket_mode(self, stopping: threading.Event, operator: WebServer | None) -> None:
        """Serve over Socket Mode (and ``operator``, if any) until ``stopping`` is set."""
        if operator is not None:
            operator.start()
        connection = self.runtime.socket_mode()
        connection.connect()
        try:
            while not stopping.wait(timeout=1.0):
                pass
        finally:
            connection.close()  # first: Slack sends new requests to the replicas still connected
            if operator is not None:
                operator.stop()


def stop_on_sigterm() -> threading.Event:
    """An event that SIGTERM sets (it would otherwise end the process at once, mid-delivery)."""
    stopping = threading.Event()

    def handle(_signal: int, _frame: object) -> None:
        if not stopping.is_set():
            logging.getLogger(__name__).info("SIGTERM: taking no new work; finishing what is under way")
        stopping.set()

    signal.signal(signal.SIGTERM, handle)
    return stopping


SWITCH_INTERVAL_S = 0.0005
"""How long a busy thread keeps the interpreter before one waiting on a socket gets it (Python's default is 5 ms).
An ack crosses three threads (the socket reader, a worker, the sender); under a burst, with modals opening and
replies going out on other threads, the default made each crossing wait up to 5 ms, and the ack p99 was 113 ms
at 100 commands a second (bench/bot_ack_latency.py --modal)."""


def serve(*, http: bool, host: str, http_port: int, prepare_database: Callable[[Settings], str | None]) -> int:
    """Serve Slack over Socket Mode, or with ``http`` over HTTP on ``host:http_port`` (Socket Mode's operator server
    listens on ``host`` too). ``prepare_database`` readies the database once the configuration is complete (the
    command decides how: migrate, or refuse), or says in a sentence why the bot cannot use it."""
    settings = load_settings()
    problem = missing_configuration(settings, http=http) or prepare_database(settings)
    if problem is not None:
        print(f"vigil serve: {problem}", file=sys.stderr)
        return 2
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    logging.getLogger().setLevel(logging.INFO)
    for library in QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(logging.WARNING)
    if settings.log_format == "json":
        log_as_json()

    try:
        bot = Bot(settings, Domain.from_settings(settings))
    except SlackUnreachable as exc:
        print(f"vigil serve: {exc}", file=sys.stderr)
        return 2
    port, hint = (http_port, "pass --port") if http else (settings.metrics_port, "set another VIGIL_METRICS_PORT")
    build = bot.http_server if http else bot.operator_server
    try:
        server = build(host, port) if port is not None else None
    except OSError as exc:
        bot.runtime.stop()
        print(f"vigil serve: cannot listen on {host}:{port} ({exc.strerror}); {hint}.", file=sys.stderr)
        return 2
    stopping = stop_on_sigterm()
    with bot:
        if http and server is not None:
            server.serve_forever()  # uvicorn handles SIGTERM itself, then passes it on to ``stopping``
        else:
            bot.run_socket_mode(stopping, server)
    return 0
