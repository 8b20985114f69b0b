"""Paging: waking the on-call responder for an incident, through PagerDuty or Jira Service Management.

The domain pages only the services :attr:`incidents.context.Domain.paging` names (those with their provider's key,
see :mod:`incidents.paging.config`); the verbs are in :mod:`incidents.paging.service` (what makes a page one
person's in :mod:`incidents.paging.people`), what a page carries in :mod:`incidents.paging.content`, the delivery
of each page to its provider in :mod:`incidents.paging.delivery`, PagerDuty's side in
:mod:`incidents.paging.pagerduty` and JSM's in :mod:`incidents.paging.jsm`, and what a process that runs the
dispatcher wires in :mod:`incidents.paging.wiring`. Nothing is imported here: the context reads the configuration,
and this package's ``__init__`` runs first.
"""
