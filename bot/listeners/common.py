"""Error handling shared by listeners: every failure reaches the person as a sentence, never a stack trace."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.text import Mrkdwn, mention, safe
from bot.forms import field_errors
from bot.ids import Field
from incidents.errors import VigilError

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Something went wrong on my side and nothing was changed. Please try again; if it keeps failing, "
    "tell whoever runs Vigil (the error is in its log)."
)


@contextmanager
def reply_on_error(*, ack: Ack | None = None, respond: Respond | None = None) -> Iterator[None]:
    """A refused request (:class:`VigilError`) is answered with its message; anything else with a generic
    sentence (and logged). While the ack is unsent the answer rides on it; after, it goes through ``respond``."""
    try:
        yield
    except VigilError as exc:
        _tell(ack, respond, refusal(exc))
    except Exception:
        log.exception("listener failed")
        _tell(ack, respond, UNEXPECTED)


@contextmanager
def errors_beside_fields(ack: Ack, fallback: Field, what: str) -> Iterator[None]:
    """For a modal's submission: a refusal (:class:`VigilError`) is answered beside the input at fault (``fallback``
    when it names none); anything else with a generic sentence beside ``fallback``, and logged as ``what`` failing.
    Afterwards ``ack.response`` is set when the submission was answered here."""
    try:
        yield
    except VigilError as exc:
        ack(response_action="errors", errors=field_errors(exc, fallback))
    except Exception:
        log.exception("%s failed", what)
        ack(response_action="errors", errors={fallback: UNEXPECTED})


def refusal(exc: VigilError) -> Mrkdwn:
    """The refusal's message as typed, with the people it names by key shown by name."""
    return Mrkdwn(exc.naming(safe(exc.message), mention))


def _tell(ack: Ack | None, respond: Respond | None, text: str) -> None:
    text = safe(text)  # refusals may quote what was typed
    if ack is not None and ack.response is None:
        ack(text=text)
    elif respond is not None:
        try:
            respond(text=text, response_type="ephemeral", replace_original=False)
        except Exception:
            log.exception("could not tell the user: %s", text)


def after_ack(work: Callable[..., None]) -> dict[str, Any]:
    """Listener arguments for ``app.command(...)(**after_ack(work))``: a bare ack leaves at once, then ``work``
    runs on the listener pool with the usual injected arguments (``respond``, ``client``, ``body``...).

    The app runs with ``process_before_response``, so bolt sends an ack the moment its ack function returns
    instead of polling for it every 10 ms; ``work`` is a bolt lazy listener. Bolt logs a lazy listener's failure
    without its traceback, so failures are logged here.
    """

    @functools.wraps(work)
    def logged(**kwargs: Any) -> None:
        try:
            work(**kwargs)
        except Exception:
            log.exception("%s failed after its ack", work.__name__)

    return {"ack": _bare_ack, "lazy": [logged]}


def _bare_ack(ack: Ack) -> None:
    ack()


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
