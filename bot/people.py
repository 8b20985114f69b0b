"""People's names, learnt from Slack (``users.info``) so every surface outside Slack can name people and the
leadership version can mask names typed out in free text.

A person is asked about once, then again only when their name is older than
:data:`incidents.people.NAMES_EXPIRE_AFTER` (people rename themselves; the web sign-in refreshes names too). A
user Slack says does not exist is remembered as such and not asked about again until that answer expires, so a
mistyped id costs one call, not one per render. Lookups run in the outbox dispatcher's threads, never in a listener
before its ack, and are best effort: a person Slack will not describe is shown by their key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import error_code
from incidents.context import Domain
from incidents.people import record_learned, record_missing, to_learn

log = logging.getLogger(__name__)

NO_SUCH_USER = frozenset({"user_not_found", "users_not_found"})


class PeopleDirectory:
    def __init__(self, client: WebClient, domain: Domain) -> None:
        self.client, self.domain = client, domain

    def learn(self, keys: Iterable[str]) -> None:
        """Look up the Slack users among ``keys`` whose names Vigil lacks or learnt too long ago."""
        with self.domain.unit() as ctx:
            wanted = to_learn(ctx, keys)
        for key in wanted:
            try:
                self._learn_one(key)
            except Exception as exc:  # a concurrent lookup of the same person may win the insert; both are fine
                log.warning("could not learn the name of %s (%s); it will be shown by its key", key, exc)

    def _learn_one(self, key: str) -> None:
        try:
            user: dict[str, Any] = self.client.users_info(user=key)["user"]
        except SlackApiError as exc:
            if error_code(exc) not in NO_SUCH_USER:
                raise
            with self.domain.unit() as ctx:
                record_missing(ctx, key)
            log.info("Slack has no user %s; remembered, not asked again for a while", key)
            return
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name")
        with self.domain.unit() as ctx:
            record_learned(ctx, key, display_name=name, email=profile.get("email"))
