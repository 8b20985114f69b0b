"""``vigil serve``: run the bot (Socket Mode by default, ``--http`` for HTTP mode) with the outbox dispatcher.

Refuses to start, with one line saying what to fix and exit status 2, when a setting is unknown (a typo), a token
is absent, of the wrong kind or refused by Slack, or the database is not at the latest schema. The process keeps
no incident state in memory, so several replicas may serve one database. :class:`Bot` is the running bot as
``vigil serve`` and ``vigil try`` both start it.

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
from importlib import metadata
from types import TracebackType
from typing import TYPE_CHECKING

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from incidents.context import Domain
from incidents.db import database_location
from incidents.errors import VigilError
from incidents.observability import log_as_json
from incidents.scheduling.service import start_scheduler
from incidents.settings import Settings, database_notice, load_settings, unknown_settings
from vigil import slack_tokens
from vigil.assembly import Runtime
from vigil.warm import warm

if TYPE_CHECKING:
    from bot.socket_mode import SocketModeHandler
    from web.server import WebServer

QUIET_LIBRARIES = ("presidio-analyzer",)
"""Libraries that narrate their start at INFO (Presidio lists its thirty recognizers): kept to warnings, so the
start-up log says what Vigil is doing."""
log = logging.getLogger(__name__)


def settle_heap() -> None:
    """Move everything built at start-up (modules, the app, SQLAlchemy's mappers) out of the garbage collector's
    view: otherwise each full collection walks all of it, pausing every thread ~100 ms, and the acks caught in
    that pause were the slowest 1% (p99 14-80 ms at 50 requests/s; 7 ms with the heap frozen)."""
    gc.collect()
    gc.freeze()


class SlackUnreachable(Exception):
    """Slack refused one of the app's tokens or did not answer at start; the message is one line saying which."""

    @classmethod
    def at_start(cls, exc: BoltError | SlackApiError | OSError, token: str, api_url: str) -> SlackUnreachable:
        """``exc``, raised while Slack was asked with ``token`` (the variable holding it), as one line. Bolt
        reports a refused bot token as a BoltError raised while handling Slack's answer, which it keeps."""
        answer = exc if isinstance(exc, SlackApiError) else exc.__context__
        reason = answer.response.get("error") if isinstance(answer, SlackApiError) else None
        if reason in slack_tokens.AUTH_ERRORS:
            return cls(slack_tokens.refused(token, str(reason)))
        return cls(f"Slack at {api_url} refused or did not answer ({reason or exc}).")


class Bot:
    """The bot: the Slack app and its outbox dispatcher, the personal-data detector and the scheduler. Built (which
    checks the token with Slack, then pays what the first request would otherwise pay: :mod:`vigil.warm`), then
    run inside ``with``; leaving it stops the scheduler and the dispatcher."""

    def __init__(self, settings: Settings, domain: Domain) -> None:
        self.settings, self.domain = settings, domain
        try:
            self.runtime = Runtime(settings, domain)
        except (BoltError, SlackApiError, OSError) as exc:
            raise SlackUnreachable.at_start(exc, slack_tokens.BOT_TOKEN, settings.slack_api_url) from None
        warm(domain, self.runtime.templates, settings)  # before any request can arrive

    def __enter__(self) -> Bot:
        self.runtime.start_dispatcher()
        self.scheduler = start_scheduler(self.domain, self.settings)
        settle_heap()  # last, before Slack can reach the bot: the full collection pauses every thread
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

    def connect_socket_mode(self) -> SocketModeHandler:
        """Open the Socket Mode connection once the bot is entered, so that the first request Slack sends finds
        everything started (the dispatcher, the scheduler, a settled heap), as the hundredth does. A refused
        app-level token stops the start with one line (:class:`SlackUnreachable` naming SLACK_APP_TOKEN)."""
        connection = self.runtime.socket_mode()
        sdk_log = connection.client.logger
        sdk_log.addFilter(_nothing)  # the SDK logs the refusal, then raises it: said once, below, in one line
        try:
            connection.connect()
        except (BoltError, SlackApiError, OSError) as exc:
            raise SlackUnreachable.at_start(exc, slack_tokens.APP_TOKEN, self.settings.slack_api_url) from None
        finally:
            sdk_log.removeFilter(_nothing)
        return connection

    def run_socket_mode(
        self, connection: SocketModeHandler, stopping: threading.Event, operator: WebServer | None
    ) -> None:
        """Serve over the connection (and ``operator``, if any) until ``stopping`` is set."""
        if operator is not None:
            operator.start()
        try:
            while not stopping.wait(timeout=1.0):
                pass
        finally:
            connection.close()  # first: Slack sends new requests to the replicas still connected
            if operator is not None:
                operator.stop()


def _nothing(_record: logging.LogRecord) -> bool:
    """A log filter that lets nothing through."""
    return False


def stopping_on(*signals: signal.Signals) -> threading.Event:
    """An event that any of ``signals`` sets (each would otherwise end the process at once, mid-delivery, leaving
    behind what it should have cleaned up)."""
    stopping = threading.Event()
    stop_also_on(stopping, *signals)
    return stopping


def stop_also_on(stopping: threading.Event, *signals: signal.Signals) -> None:
    """From now on ``signals`` set ``stopping`` too."""

    def handle(number: int, _frame: object) -> None:
        if not stopping.is_set():
            log.info("%s: taking no new work; finishing what is under way", signal.Signals(number).name)
        stopping.set()

    for each in signals:
        signal.signal(each, handle)


SWITCH_INTERVAL_S = 0.0005
"""How long a busy thread keeps the interpreter before one waiting on a socket gets it (Python's default is 5 ms).
An ack crosses three threads (the socket reader, a worker, the sender); under a burst, with modals opening and
replies going out on other threads, the default made each crossing wait up to 5 ms, and the ack p99 was 113 ms
at 100 commands a second (bench/bot_ack_latency.py --modal)."""


def serve(*, http: bool, host: str, http_port: int, prepare_database: Callable[[Settings], str | None]) -> int:
    """Serve Slack over Socket Mode, or with ``http`` over HTTP on ``host:http_port`` (Socket Mode's operator server
    listens on ``host`` too). ``prepare_database`` readies the database once the configuration is complete (the
    command decides how: migrate, or refuse), or says in a sentence why the bot cannot use it.

    Every mistake in the configuration or the credentials stops it with one line and exit status 2, before it
    takes any request: a setting it does not know, a token of the wrong kind, one Slack refuses."""
    stopping = stopping_on(signal.SIGTERM)  # first: a SIGTERM while it starts stops it as gracefully
    try:
        settings = load_settings()
        problem = unknown_settings() or slack_tokens.token_problem(settings, http=http) or prepare_database(settings)
        if problem is not None:
            raise VigilError(problem)
        _configure_logging(settings)
        bot = Bot(settings, Domain.from_settings(settings))
    except VigilError as exc:
        return _refuse(exc.message)
    except SlackUnreachable as exc:
        return _refuse(str(exc))
    port, hint = (http_port, "pass --port") if http else (settings.metrics_port, "set another VIGIL_METRICS_PORT")
    build = bot.http_server if http else bot.operator_server
    try:
        server = build(host, port) if port is not None else None
    except OSError as exc:
        bot.runtime.stop()
        return _refuse(f"cannot listen on {host}:{port} ({exc.strerror}); {hint}.")
    if not http:  # Ctrl-C too, once the bot is entered: from then on only leaving `with bot` closes everything
        stop_also_on(stopping, signal.SIGINT)
    with bot:
        try:
            connection = None if http else bot.connect_socket_mode()
        except SlackUnreachable as exc:
            return _refuse(str(exc))  # leaving `with bot` stops what it started
        _log_start(settings)
        if connection is None:
            assert server is not None
            server.serve_forever()  # uvicorn handles SIGTERM itself, then passes it on to ``stopping``
        else:
            bot.run_socket_mode(connection, stopping, server)
    return 0


def _configure_logging(settings: Settings) -> None:
    """The bot's log: INFO and up, as text or JSON lines, without the libraries' narration."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    logging.getLogger().setLevel(logging.INFO)
    for library in QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(logging.WARNING)
    if settings.log_format == "json":
        log_as_json()


def _log_start(settings: Settings) -> None:
    """Once everything has started: the version and the database it serves (never its password), and where that
    came from when the environment does not name it."""
    location = database_location(settings.database_url)
    log.info("Vigil %s; %s", _version(), database_notice(settings, location) or f"using the database {location}")


def _version() -> str:
    try:
        return metadata.version("vigil")
    except metadata.PackageNotFoundError:
        return "(not installed as a package)"


def _refuse(problem: str) -> int:
    print(f"vigil serve: {problem}", file=sys.stderr)
    return 2
