"""Paging's part of a process that runs the dispatcher (assembled in :mod:`vigil.assembly`)::

    pager = build_pager(domain, settings)      # None without any provider's key: nothing is ever paged
    handlers |= paging_handlers(domain, pager)  # page.trigger / page.resolve / page.on_call / page.ack_due

Apart from the package's ``__init__``: :mod:`incidents.context` reads :mod:`incidents.paging.config`, which runs
that ``__init__`` first, and the delivery it would then depend on depends on the context in turn. A provider's
client is loaded only when its key is set.
"""

from __future__ import annotations

import ssl

from incidents.context import Domain
from incidents.dispatcher import Handler
from incidents.outbox import Topic
from incidents.paging.config import jsm_keys, routing_keys
from incidents.paging.delivery import Adapter, Pager
from incidents.settings import Settings


def build_pager(domain: Domain, settings: Settings, *, verify: ssl.SSLContext | bool = True) -> Pager | None:
    """The paging handlers, with an adapter for each provider that has a key set (PagerDuty's REST API token
    counts: it pages people); None when none has."""
    adapters: dict[str, Adapter] = {}
    if routing_keys(settings) or settings.pagerduty_api_token:
        from incidents.paging.pagerduty import PagerDuty

        adapters["pagerduty"] = PagerDuty(domain, settings, verify=verify)
    if jsm_keys(settings):
        from incidents.paging.jsm import Jsm

        adapters["jsm"] = Jsm(domain, settings, verify=verify)
    return Pager(domain, adapters) if adapters else None


def paging_handlers(domain: Domain, pager: Pager | None) -> dict[Topic, Handler]:
    """The outbox handlers of paging. Without a paging service nothing is queued for it; a trigger or resolve
    that a differently configured replica queued waits for a replica that can send it (and fails, visibly, if
    none does within the outbox's patience): a page is never dropped quietly."""
    return (pager or Pager(domain, {})).handlers()
