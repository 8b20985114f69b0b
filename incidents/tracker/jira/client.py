"""The tracker port over the ``jira`` library, for Jira Cloud (e-mail + API token) and Server/DC (bearer PAT).

The client is built lazily, so Vigil starts while Jira is down, and with ``max_retries=0`` and a short timeout:
the library's own retries sleep for minutes inside a worker, while the outbox retries with backoff, honours
Retry-After and survives restarts. Every failure leaves here as a :class:`TrackerUnavailable` (try later) or
:class:`TrackerRejected` (Jira said no; retrying will not help).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import jira
import requests

from incidents.enums import ActionStatus
from incidents.observability import observer
from incidents.settings import Settings
from incidents.tracker.content import PROPERTY_KEY
from incidents.tracker.jira.payload import (
    CATEGORY_OF,
    CATEGORY_RANK,
    FIELDS,
    WONT_DO_RESOLUTION,
    status_of,
    ticket_state,
)
from incidents.tracker.port import TicketFields, TicketState, TrackerRejected, TrackerUnavailable

log = logging.getLogger(__name__)

RETRYABLE = frozenset({401, 408, 409, 423, 429})
_Editable = Literal["summary", "description", "labels", "duedate"]
EDITABLE: tuple[_Editable, ...] = ("summary", "description", "labels", "duedate")
RECONCILE_JQL = 'labels = "incident"'
# One comma-separated value, as Jira documents it: the client would otherwise repeat ``fields=`` per field,
# which Jira accepts but some Jira-compatible servers (jira820) read as the last field only.
SEARCH_FIELDS = [",".join(FIELDS)]


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _reasons(exc: jira.JIRAError) -> str:
    try:
        body = exc.response.json() if exc.response is not None else {}
        parts = list(body.get("errorMessages") or []) + [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
    except (AttributeError, ValueError):
        parts = []
    return "; ".join(parts) or (exc.text or "no details")


class JiraTracker:
    """:class:`~incidents.tracker.port.Tracker` for one Jira site. Thread-safe: dispatcher workers share it."""

    def __init__(
        self,
        url: str,
        *,
        email: str | None = None,
        api_token: str | None = None,
        token: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not ((email and api_token) or token):
            raise ValueError("Jira needs JIRA_EMAIL + JIRA_API_TOKEN (Cloud) or JIRA_TOKEN (Server/Data Center)")
        self.url = url.rstrip("/")
        self._auth: dict[str, Any] = (
            {"basic_auth": (email, api_token)} if email and api_token else {"token_auth": token}
        )
        self._timeout = timeout
        self._lock = threading.Lock()
        self._client: jira.JIRA | None = None
        self._users: dict[str, str] = {}
        self._zone: ZoneInfo | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> JiraTracker | None:
        """None when Jira is not configured (no URL, credentials or project): actions then stay in Vigil."""
        if not settings.jira_url or not settings.jira_project:
            return None
        if not ((settings.jira_email and settings.jira_api_token) or settings.jira_token):
            return None
        return cls(
            settings.jira_url,
            email=settings.jira_email,
            api_token=settings.jira_api_token,
            token=settings.jira_token,
            timeout=settings.jira_timeout,
        )

    @contextmanager
    def _errors(self, doing: str, method: str) -> Iterator[None]:
        """``method`` names the operation for the error count (:mod:`incidents.observability`)."""
        try:
            yield
        except jira.JIRAError as exc:
            status = exc.status_code
            observer().call_failed("jira", method, str(status))
            if status is None or status >= 500 or status in RETRYABLE:
                after = _retry_after(exc.response) if status == 429 else None
                raise TrackerUnavailable(f"Jira answered {status} while {doing}", retry_after=after) from exc
            raise TrackerRejected(f"Jira refused {doing}: {_reasons(exc)}") from exc
        except requests.RequestException as exc:
            observer().call_failed("jira", method, type(exc).__name__)
            raise TrackerUnavailable(f"Jira did not answer while {doing} ({type(exc).__name__})") from exc

    def _jira(self) -> jira.JIRA:
        with self._lock:
            if self._client is None:
                with self._errors("connecting", "connect"):
                    self._client = jira.JIRA(server=self.url, max_retries=0, timeout=self._timeout, **self._auth)
            return self._client

    def _user_ref(self, user: str | None) -> dict[str, str] | None:
        if user is None:
            return None
        return {"accountId": user} if self._jira().deploymentType == "Cloud" else {"name": user}

    def find(self, label: str) -> TicketState | None:
        client = self._jira()
        with self._errors("searching for Vigil's issue", "find"):
            found = client.search_issues(f'labels = "{label}"', maxResults=1, fields=list(SEARCH_FIELDS))
        return ticket_state(found[0].raw, self.url) if found else None

    def create(self, project: str, issue_type: str, fields: TicketFields) -> TicketState:
        body: dict[str, Any] = {
            "project": {"key": project},
            "issuetype": {"name": issue_type},
            **{name: fields[name] for name in EDITABLE if name in fields},
        }
        if "priority" in fields:
            body["priority"] = {"name": fields["priority"]}
        if "assignee" in fields:
            body["assignee"] = self._user_ref(fields["assignee"])
        client = self._jira()
        with self._errors("creating an issue", "create"):
            issue = client.create_issue(fields=body, prefetch=False)
        due = fields.get("duedate")
        return TicketState(
            key=issue.key,
            url=f"{self.url}/browse/{issue.key}",
            status=ActionStatus.OPEN,
            assignee=fields.get("assignee"),
            due_date=date.fromisoformat(due) if due else None,
        )

    def update(self, key: str, fields: TicketFields) -> ActionStatus | None:
        client = self._jira()
        edit: dict[str, Any] = {name: fields[name] for name in EDITABLE if name in fields}
        if "priority" in fields:
            edit["priority"] = {"name": fields["priority"]}
        if "assignee" in fields:
            edit["assignee"] = self._user_ref(fields["assignee"])
        with self._errors(f"updating {key}", "update"):
            if edit:
                client.issue(key, fields="status").update(fields=edit)
            if "properties" in fields:
                self._set_property(client, key, fields["properties"])
            if "link" in fields:
                link = fields["link"]
                client.add_remote_link(key, {"url": link.url, "title": link.title}, globalId=link.global_id)
        return self._move(client, key, fields["status"]) if "status" in fields else None

    def _set_property(self, client: jira.JIRA, key: str, value: dict[str, Any]) -> None:
        """The entity property is for people and apps reading the issue; a site without the endpoint is fine."""
        try:
            client.add_issue_property(key, PROPERTY_KEY, value)
        except jira.JIRAError as exc:
            if exc.status_code not in (404, 405):
                raise
            log.info("Jira site has no issue properties endpoint; skipped the %s property on %s", PROPERTY_KEY, key)

    def _move(self, client: jira.JIRA, key: str, wanted: ActionStatus) -> ActionStatus:
        """Walk the workflow one transition at a time toward the wanted status category (workflows such as
        To Do → In Progress → Done allow no shortcut); returns the status reached."""
        goal = CATEGORY_RANK[CATEGORY_OF[wanted]]
        with self._errors(f"moving {key} to {wanted.value}", "transition"):
            raw = client.issue(key, fields="status,resolution").raw["fields"]
            current = status_of(raw["status"]["statusCategory"]["key"], (raw.get("resolution") or {}).get("name"))
            for _ in range(len(CATEGORY_RANK) + 1):
                here = CATEGORY_RANK[CATEGORY_OF[current]]
                if here == goal:
                    return current
                options = [(CATEGORY_RANK[t["to"]["statusCategory"]["key"]], t) for t in client.transitions(key)]
                toward = [(abs(goal - rank), t) for rank, t in options if abs(goal - rank) < abs(goal - here)]
                if not toward:
                    raise TrackerRejected(f"Jira's workflow offers no way to move {key} to {wanted.value}")
                step = min(toward, key=lambda pair: pair[0])[1]
                current = self._transition(client, key, step, wanted)
        return current

    def _transition(self, client: jira.JIRA, key: str, step: dict[str, Any], wanted: ActionStatus) -> ActionStatus:
        category = step["to"]["statusCategory"]["key"]
        if category == "done" and wanted is ActionStatus.WONT_DO:
            try:
                client.transition_issue(key, step["id"], fields={"resolution": {"name": WONT_DO_RESOLUTION}})
                return ActionStatus.WONT_DO
            except jira.JIRAError as exc:
                if exc.status_code != 400:
                    raise
                log.info("Jira refused resolution %r on %s; resolving without it", WONT_DO_RESOLUTION, key)
        client.transition_issue(key, step["id"])
        return status_of(category, None)

    def find_user(self, email: str) -> str | None:
        wanted = email.lower()
        if wanted in self._users:
            return self._users[wanted]
        client = self._jira()
        cloud = client.deploymentType == "Cloud"
        with self._errors("looking up a user", "find_user"):
            hits = client.search_users(query=email, maxResults=5) if cloud else client.search_users(user=email)
        raws = [hit.raw for hit in hits]
        exact = [r for r in raws if str(r.get("emailAddress", "")).lower() == wanted]
        hidden = [r for r in raws if "emailAddress" not in r]
        chosen = exact[0] if len(exact) == 1 else hidden[0] if not exact and len(raws) == len(hidden) == 1 else None
        user = (chosen.get("accountId") if cloud else chosen.get("name")) if chosen else None
        if user is not None:
            self._users[wanted] = user
        return user

    def changed_since(self, since: datetime | None) -> Iterator[TicketState]:
        """JQL dates are minute-precise and read in the searching user's time zone, so ask from a minute before
        ``since`` in that zone; re-reading a ticket is harmless."""
        client = self._jira()
        jql = RECONCILE_JQL
        if since is not None:
            moment = (since - timedelta(minutes=1)).astimezone(self._user_zone(client))
            jql += f' AND updated >= "{moment:%Y-%m-%d %H:%M}"'
        with self._errors("searching for changed issues", "changed_since"):
            found = client.search_issues(jql, maxResults=False, fields=list(SEARCH_FIELDS))
        for issue in found:
            yield ticket_state(issue.raw, self.url)

    def _user_zone(self, client: jira.JIRA) -> ZoneInfo:
        if self._zone is None:
            with self._errors("reading the user's time zone", "time_zone"):
                name = client.myself().get("timeZone") or "UTC"
            try:
                self._zone = ZoneInfo(name)
            except (KeyError, ValueError):
                self._zone = ZoneInfo("UTC")
        return self._zone
