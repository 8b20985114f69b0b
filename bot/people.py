"""People's names, learnt from Slack (``users.info``) so reviews can name people and the leadership version can
mask names typed out in free text.

Looked up once per person: someone Vigil can already name is not asked about again (the web sign-in refreshes
names too). Lookups run in the outbox dispatcher's threads, never in a listener before its ack, and are best
effort: a person Slack will not describe is shown by their key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient

from bot.blocks.text import is_slack_user
from incidents.context import Domain
from incidents.reviews import upsert_person
from incidents.reviews.people import people_by_key

log = logging.getLogger(__name__)


class PeopleDirectory:
    def __init__(self, client: WebClient, domain: Domain) -> None:
        self.client, self.domain = client, domain

    def learn(self, keys: Iterable[str]) -> None:
        """Look up the Slack users among ``keys`` whom Vigil cannot name yet, and remember their names."""
        wanted = {key for key in keys if is_slack_user(key)}
        if not wanted:
            return
        with self.domain.unit() as ctx:
            known = {key for key, person in people_by_key(ctx, wanted).items() if person.display_name}
        for key in sorted(wanted - known):
            try:
                self._learn_one(key)
            except Exception as exc:  # a concurrent lookup of the same person may win the insert; both are fine
                log.warning("could not learn the name of %s (%s); reviews will show the key", key, exc)

    def _learn_one(self, key: str) -> None:
        user = self.client.users_info(user=key)["user"]
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name")
        with self.domain.unit() as ctx:
            upsert_person(ctx, key, display_name=name, email=profile.get("email"))
