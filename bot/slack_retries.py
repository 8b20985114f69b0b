"""Which failed Web API calls slack_sdk may send again by itself, before the outbox's own (look-up-first) retries.

A call whose answer was lost may have been carried out: sending ``chat.postMessage`` again then posts twice. So
the transport repeats a call only when repeating cannot show anything twice: a 429 (Slack refused it), a
connection that was never made, a server error Slack says happened before the call was applied, or any failure
of a call that only reads. Everything else surfaces to the outbox handler, which looks for what a lost call may
have done (by the post's metadata tag, or what Slack already holds) before doing it again.
"""

from __future__ import annotations

import json
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

READ_VERBS = frozenset(
    {"test", "info", "list", "history", "replies", "members", "get", "getPermalink", "lookupByEmail"}
)
"""The last part of the name of a Web API method that only reads (``conversations.history``, ``auth.test``…)."""

NOT_APPLIED = frozenset({"service_unavailable", "request_timeout"})
"""Server errors Slack documents as "the call was not carried out" (unlike ``internal_error`` and ``fatal_error``,
after which "some aspect of the operation" may have succeeded)."""


def api_method(request: HttpRequest) -> str:
    """``chat.postMessage`` for a request to ``…/api/chat.postMessage``."""
    return urlsplit(request.url).path.rsplit("/", 1)[-1]


def only_reads(request: HttpRequest) -> bool:
    return api_method(request).rsplit(".", 1)[-1] in READ_VERBS


def never_connected(error: Exception | None) -> bool:
    """The request never reached Slack (connection refused): nothing can have been done."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError)


def slack_error(response: HttpResponse) -> str:
    body = response.body
    if body is None and response.data:
        try:
            body = json.loads(response.data)
        except ValueError:
            body = None
    return str(body.get("error", "")) if isinstance(body, dict) else ""


class SafeConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """Connection errors: a read is sent again; a write only if the connection was never made."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        retryable = super()._can_retry(state=state, request=request, response=response, error=error)
        return retryable and (only_reads(request) or never_connected(error))


class SafeServerErrorRetryHandler(ServerErrorRetryHandler):
    """HTTP 500/503: a read is sent again; a write only if Slack says it was not applied (:data:`NOT_APPLIED`)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        retryable = super()._can_retry(state=state, request=request, response=response, error=error)
        return retryable and response is not None and (only_reads(request) or slack_error(response) in NOT_APPLIED)


TRIGGERED = frozenset({"views.open", "views.push"})
"""Methods that need a ``trigger_id``, which Slack honours for 3 seconds after the click or command."""


class TriggerAwareRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """A 429 is waited out and sent again, except for a call on a trigger: by the time Slack's Retry-After has
    passed the trigger has expired, and the wait would hold a listener thread while more requests queue behind
    it (a burst of ``/incident`` would then open no modal at all, late). The person is told to try again."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        retryable = super()._can_retry(state=state, request=request, response=response, error=error)
        return retryable and api_method(request) not in TRIGGERED


def safe_retry_handlers() -> list[RetryHandler]:
    """For ``WebClient(retry_handlers=...)``: rate limits waited out (but for calls on a trigger), connection and
    server errors sent again only where sending again cannot do anything twice."""
    return [TriggerAwareRateLimitRetryHandler(), SafeConnectionErrorRetryHandler(), SafeServerErrorRetryHandler()]
