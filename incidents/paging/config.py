"""Which of the policy's paging services this deployment can page: those whose secret is in the settings.

The policy pack names services, their provider and routes; keys are secrets and live only in the settings, so a
pack can be shared and reviewed without them. A ``pagerduty`` service needs a routing key
(``VIGIL_PAGERDUTY_ROUTING_KEY`` for the ``default`` service, ``VIGIL_PAGERDUTY_ROUTING_KEYS`` for the others), a
``jsm`` service an API integration key (``VIGIL_JSM_API_KEY`` / ``VIGIL_JSM_API_KEYS``, the same way). A service
without its provider's key is left out: the domain records no page for it, and asking for one is refused with a
message saying which setting is missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from incidents.policy.paging import PagingPolicy
from incidents.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_SERVICE = "default"
EVENTS_PATH = "/v2/enqueue"


@dataclass(frozen=True)
class Provider:
    """How people and the settings name a paging provider (in what the channel is told)."""

    name: str
    key_settings: str


PROVIDERS: dict[str, Provider] = {
    "pagerduty": Provider("PagerDuty", "VIGIL_PAGERDUTY_ROUTING_KEY or VIGIL_PAGERDUTY_ROUTING_KEYS"),
    "jsm": Provider("Jira Service Management", "VIGIL_JSM_API_KEY or VIGIL_JSM_API_KEYS"),
}


def routing_keys(settings: Settings) -> dict[str, str]:
    """Every configured routing key by service name (empty keys are not keys)."""
    keys = {name: key for name, key in settings.pagerduty_routing_keys.items() if key}
    if settings.pagerduty_routing_key:
        keys[DEFAULT_SERVICE] = settings.pagerduty_routing_key
    return keys


def jsm_keys(settings: Settings) -> dict[str, str]:
    """Every configured JSM API integration key by service name, as :func:`routing_keys` does for PagerDuty."""
    keys = {name: key for name, key in settings.jsm_api_keys.items() if key}
    if settings.jsm_api_key:
        keys[DEFAULT_SERVICE] = settings.jsm_api_key
    return keys


def provider_keys(settings: Settings) -> dict[str, dict[str, str]]:
    """Each provider's keys by service name."""
    return {"pagerduty": routing_keys(settings), "jsm": jsm_keys(settings)}


def configured_services(settings: Settings, policy: PagingPolicy) -> frozenset[str]:
    """The policy's services that have their provider's key. A key for a service the policy does not name, or
    names with another provider, is logged and ignored (a typo in the settings must not page nobody silently)."""
    configured: set[str] = set()
    for provider, keys in provider_keys(settings).items():
        for name in sorted(keys):
            known = policy.services.get(name)
            if known is None:
                log.warning("a %s key is set for %r, which the policy pack's paging.services lacks", provider, name)
            elif known.provider != provider:
                log.warning("a %s key is set for %r, whose provider is %s", provider, name, known.provider)
            else:
                configured.add(name)
    return frozenset(configured)


def events_base_url(events_url: str) -> str:
    """The official client's ``base_url`` from the Events API's address (``https://events.pagerduty.com/v2/enqueue``
    → ``https://events.pagerduty.com``): the client appends ``/v2/enqueue`` itself."""
    parts = urlsplit(events_url)
    path = parts.path.rstrip("/")
    if path.endswith(EVENTS_PATH):
        path = path[: -len(EVENTS_PATH)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
