"""What the Slack adapter reports to the process's observer (:mod:`incidents.observability`): which kind of request
an ack answered, and every failed Web API call by method and Slack's error code."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.command_grammar import USAGE, subcommand
from incidents.observability import observer

INTERACTIONS = frozenset(
    {"block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut", "message_action"}
)


def request_kind(body: dict[str, Any]) -> str:
    """A label for a Slack request's body (bolt's, or a Socket Mode envelope's payload) from a fixed set, so a
    metric's series stay few whatever people type: ``command:<subcommand>``, the interaction's type, or ``event``."""
    if "command" in body:
        verb = subcommand(str(body.get("text") or ""))
        return f"command:{verb if verb in USAGE else 'modal' if not verb else 'other'}"
    kind = body.get("type")
    if kind in INTERACTIONS:
        return str(kind)
    return "event" if "event" in body else "other"


def failure_code(exc: Exception) -> str:
    """Slack's error code (``channel_not_found``), else the HTTP status (``http_500``), else what went wrong on the
    way (``TimeoutError``)."""
    if isinstance(exc, SlackApiError) and exc.response is not None:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        return str(error) if error else f"http_{exc.response.status_code}"
    return type(exc).__name__


class ObservedWebClient(WebClient):
    """slack_sdk's client, counting the calls that fail (after its own retry handlers had their go)."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, **kwargs)
        except Exception as exc:
            observer().call_failed("slack", api_method, failure_code(exc))
            raise
