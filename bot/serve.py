"""``vigil serve``: run the bot (Socket Mode by default, ``--http`` for HTTP mode) with the outbox dispatcher.

Refuses to start, with one line naming what is missing, when a token is absent or the database is not at the
latest schema. The process keeps no incident state in memory, so several replicas may serve one database.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.http import create_http_app
from bot.runtime import Runtime
from incidents import migrate
from incidents.context import Domain
from incidents.privacy.detector import detector
from incidents.scheduling.service import start_scheduler
from incidents.settings import Settings, load_settings
from web.server import WebServer

MANIFEST_HINT = "create the Slack app from slack-app-manifest.yaml (README, 'Run it in Slack') and export it"


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


def serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    problem = missing_configuration(settings, http=args.http)
    if problem is None and not migrate.is_current(settings.database_url):
        problem = "the database schema is not up to date; run `vigil db upgrade` first."
    if problem is not None:
        print(f"vigil serve: {problem}", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(logging.INFO)

    domain = Domain.from_settings(settings)
    try:
        runtime = Runtime(settings, domain)
    except (BoltError, SlackApiError, OSError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
        print(f"vigil serve: Slack at {settings.slack_api_url} refused or did not answer ({reason}).", file=sys.stderr)
        return 2
    runtime.start_dispatcher()
    detector()  # built now (about two seconds), not by the first request that writes text
    settle_heap()
    scheduler = start_scheduler(domain, settings, after_run=lambda _nudges: runtime.dispatcher.poke())
    try:
        if args.http:
            app = create_http_app(runtime.app, domain, settings, runtime.templates)
            WebServer(app, host=args.host, port=args.port).serve_forever()
        else:
            runtime.socket_mode().start()
    finally:
        scheduler.stop()
        runtime.stop()
    return 0
