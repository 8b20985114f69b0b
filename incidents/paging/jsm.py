"""Jira Service Management's side of paging: alerts through a JSM API integration
(``POST {VIGIL_JSM_API_URL}/jsm/ops/integration/v2/alerts``, ``Authorization: GenieKey <key>``), over httpx, since
JSM has no official Python client for them. The steps every provider shares are in
:mod:`incidents.paging.delivery`.

The page's de-duplication key (``<REF>/<service>``) is the alert's ``alias``: JSM adds a retried create to the open
alert with that alias, so a retry or a lost answer opens one alert, and resolving closes it by alias. What the alert
says comes from :meth:`incidents.paging.content.PageContent.as_alert`, the same neutral words as PagerDuty's.

The API is asynchronous: it answers 202 with a ``requestId`` and processes later, so a page is recorded sent on the
202, as PagerDuty's is on its 202 (what JSM then did is only in ``GET .../alerts/requests/{requestId}``, which Vigil
does not ask). A 5xx, 408, 429 or no answer is retried by the outbox; any other 4xx (401 unknown key, 403 disabled
integration, 422 invalid alert) is a refusal, told in the channel at once. Who is on call is asked of PagerDuty
only: an alert integration's key cannot read JSM's schedules.
"""

from __future__ import annotations

import logging
import ssl
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx

from incidents.context import Domain
from incidents.paging.config import jsm_keys
from incidents.paging.content import SOURCE
from incidents.paging.delivery import LATE_AFTER, TIMEOUT_S, Adapter, Outgoing, failure
from incidents.paging.people import PersonPage
from incidents.settings import Settings

log = logging.getLogger(__name__)

ALERTS_PATH = "/jsm/ops/integration/v2/alerts"


def _reason(response: httpx.Response) -> str:
    """JSM's own words for a refusal (its ``message`` and the fields its ``errors`` names), never what we sent."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    words = str(body.get("message") or "") if isinstance(body, dict) else ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict) and errors:
        words = "; ".join(f"{field}: {problem}" for field, problem in errors.items())
    return f"{response.status_code}: {words}"[:300] if words else f"HTTP {response.status_code}"


class Jsm(Adapter):
    """JSM's adapter for one process: one connection pool, a key per service."""

    provider = "jsm"

    def __init__(
        self,
        domain: Domain,
        settings: Settings,
        *,
        verify: ssl.SSLContext | bool = True,
        late_after: timedelta = LATE_AFTER,
    ) -> None:
        super().__init__(domain, settings, jsm_keys(settings), late_after)
        self.alerts_url = settings.jsm_api_url.rstrip("/") + ALERTS_PATH
        self.http = httpx.Client(verify=verify, timeout=TIMEOUT_S)

    def close(self) -> None:
        self.http.close()

    def send(self, outgoing: Outgoing) -> None:
        self._post(self.alerts_url, outgoing.key, outgoing.content.as_alert(outgoing.dedup_key), "sending a page")

    def withdraw(self, key: str, dedup_key: str, person: PersonPage | None = None) -> None:
        """Close the open alert with the page's alias (JSM accepts a close of none, and says so only in the
        request's status)."""
        url = f"{self.alerts_url}/{quote(dedup_key, safe='')}/close"
        self._post(url, key, {"source": SOURCE}, "resolving a page", params={"identifierType": "alias"})

    def _post(self, url: str, key: str, body: dict[str, Any], doing: str, params: dict[str, str] | None = None) -> None:
        try:
            response = self.http.post(url, json=body, params=params, headers={"Authorization": f"GenieKey {key}"})
        except httpx.TransportError as exc:
            raise failure(self.provider, doing, None, reason=type(exc).__name__) from exc
        if response.is_success:
            return
        raise failure(
            self.provider,
            doing,
            response.status_code,
            reason=_reason(response),
            retry_after=response.headers.get("Retry-After"),
        )
