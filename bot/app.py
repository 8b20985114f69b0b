"""The Slack app: ``build_app(settings, domain)`` returns a configured ``slack_bolt.App``.

Nothing happens at import time. Listeners acknowledge within milliseconds and never call Slack for an
incident's side effects: those go through the outbox, delivered by ``bot.slack_port`` in the dispatcher; a
listener's unit of work wakes the dispatcher (``Domain.poke``) when it commits, so delivery starts at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from slack_bolt import App
from slack_sdk import WebClient

from bot.context import Vigil, web_client
from bot.listeners import (
    events,
    filings,
    handoff_buttons,
    modals,
    parties,
    referrals,
    reviews,
    severity_guidance,
    shortcuts,
    slash_command,
    tasks,
    triage,
)
from incidents.context import Domain
from incidents.settings import Settings

log = logging.getLogger(__name__)

LISTENER_THREADS = 32

BOLT_ENVIRONMENT = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_VERIFICATION_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
)
"""What bolt's ``App()`` reads from the environment on its own. With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET``
(which Vigil accepts for web sign-in) it switches to multi-workspace OAuth mode, where every request of our one
workspace finds no installation and is dropped with an empty 200; with ``SLACK_BOT_TOKEN`` beside the client Vigil
hands it, it warns on every start that the token will be unused. Vigil's settings are the one source of
configuration, so the App is built without these names in sight."""


@contextmanager
def _environment_hidden_from_bolt() -> Iterator[None]:
    """Take :data:`BOLT_ENVIRONMENT` out of ``os.environ`` while the App is built (once, at start-up), and put it
    back; nothing is touched when none of them is set."""
    hidden = {name: os.environ.pop(name) for name in BOLT_ENVIRONMENT if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)


def build_app(
    settings: Settings,
    domain: Domain,
    *,
    client: WebClient | None = None,
) -> App:
    client = client or web_client(settings)
    with _environment_hidden_from_bolt():
        app = App(
            client=client,  # one workspace, one bot token: bolt authorizes every request with this client's token
            signing_secret=settings.slack_signing_secret or "",
            listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="vigil-listener"),
            ignoring_self_events_enabled=True,
            process_before_response=True,  # acks leave when the ack function returns; slow work is lazy (after_ack)
            logger=logging.getLogger("vigil.bolt"),
        )
    vigil = Vigil(domain, settings)
    for module in (
        slash_command,
        modals,
        severity_guidance,
        parties,
        referrals,
        reviews,
        events,
        shortcuts,
        handoff_buttons,
        filings,
    ):
        module.register(app, vigil)
    tasks.register(app, vigil)
    triage.register(app, vigil)
    return app
