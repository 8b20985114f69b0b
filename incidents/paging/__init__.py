"""Paging: waking the on-call responder for an incident, through PagerDuty or Jira Service Management.

Wiring for the process that runs the dispatcher::

    pager = build_pager(domain, settings)      # None without any provider's key: nothing is ever paged
    handlers |= paging_handlers(domain, pager)  # page.trigger / page.resolve / page.on_call / page.ack_due

The domain pages only the services :attr:`incidents.context.Domain.paging` names (those with their provider's key,
see :mod:`incidents.paging.config`); the verbs are in :mod:`incidents.paging.service`, what a page carries in
:mod:`incidents.paging.content`, the delivery of each page to its provider in :mod:`incidents.paging.delivery`,
PagerDuty's side in :mod:`incidents.paging.pagerduty` and JSM's in :mod:`incidents.paging.jsm`.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from incidents.paging.config import jsm_keys, routing_keys

if TYPE_CHECKING:
    from incidents.context import Domain
    from incidents.dispatcher import Handler
    from incidents.outbox import Topic
    from incidents.paging.delivery import Adapter, Pager
    from incidents.settings import Settings


def build_pager(domain: Domain, settings: Settings, *, verify: ssl.SSLContext | bool = True) -> Pager | None:
    """The paging handlers, with an adapter for each provider that has a key set; None when none has."""
    from incidents.paging.delivery import Pager

    adapters: dict[str, Adapter] = {}
    if routing_keys(settings):
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
    from incidents.paging.delivery import Pager

    return (pager or Pager(domain, {})).handlers()
