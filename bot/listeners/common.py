"""Error handling shared by listeners: every failure reaches the person as a sentence, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from incidents.errors import VigilError

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Something went wrong on my side and nothing was changed. Please try again; if it keeps failing, "
    "tell whoever runs Vigil (the error is in its log)."
)


@contextmanager
def reply_on_error(ack: Ack, respond: Respond | None = None) -> Iterator[None]:
    """A refused request (:class:`VigilError`) is answered with its message; anything else with a generic
    sentence (and logged). Before the ack the answer rides on it; after, it goes through ``respond``."""
    try:
        yield
    except VigilError as exc:
        _tell(ack, respond, exc.message)
    except Exception:
        log.exception("listener failed")
        _tell(ack, respond, UNEXPECTED)


def _tell(ack: Ack, respond: Respond | None, text: str) -> None:
    if ack.response is None:
        ack(text=text)
    elif respond is not None:
        try:
            respond(text=text, response_type="ephemeral", replace_original=False)
        except Exception:
            log.exception("could not tell the user: %s", text)


def open_view(client: WebClient, respond: Respond, trigger_id: str, view: dict[str, Any]) -> None:
    """Open a modal (after the ack); if Slack refuses, say so instead of failing silently."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error") if exc.response else exc)
        respond(
            text="I couldn't open the form (Slack is not answering properly). Please try again in a moment.",
            response_type="ephemeral",
        )
