"""The Slack app: ``build_app(settings, domain, poke=...)`` returns a configured ``slack_bolt.App``.

Nothing happens at import time. Listeners acknowledge within milliseconds and never call Slack for an
incident's side effects: those go through the outbox, delivered by ``bot.slack_port`` in the dispatcher; a
listener ``poke``s the dispatcher after its commit so delivery starts at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.context import Vigil, nothing, web_client
from bot.listeners import actions, events, modals, parties, reviews, shortcuts, slash_command
from incidents.context import Domain
from incidents.settings import Settings

log = logging.getLogger(__name__)

LISTENER_THREADS = 32


def build_app(
    settings: Settings,
    domain: Domain,
    *,
    poke: Callable[[], None] = nothing,
    client: WebClient | None = None,
) -> App:
    client = client or web_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="vigil-listener"),
        ignoring_self_events_enabled=True,
        process_before_response=True,  # acks leave when the ack function returns; slow work is lazy (after_ack)
        logger=logging.getLogger("vigil.bolt"),
    )
    vigil = Vigil(domain, settings, poke)
    for module in (slash_command, modals, parties, reviews, events, shortcuts, actions):
        module.register(app, vigil)
    return app
