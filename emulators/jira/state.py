"""The emulated site's state and every mutation of it.

REST handlers (server thread) and test helpers (test thread) both mutate through here under one lock, and
every change is announced to listeners (webhooks) with a changelog built the way Jira builds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulators.jira.model import (
    DONE,
    PRIORITIES,
    RESOLUTIONS,
    STATUSES,
    TRANSITIONS,
    ChangeItem,
    Comment,
    Deployment,
    History,
    Issue,
    Project,
    RemoteLink,
    Transition,
    User,
    now,
)
from emulators.jira.render import adf_to_text


@dataclass
class Change:
    """What listeners receive: enough to build a Jira webhook body."""

    event: str
    type_name: str
    issue: Issue
    actor: str
    history: History | None = None
    comment: Comment | None = None


class JiraState:
    """Projects, users, issues and their counters; all access goes through :attr:`lock`."""

    def __init__(self, deployment: Deployment, me: User) -> None:
        self.deployment: Deployment = deployment
        self.base_url = ""
        self.lock = threading.RLock()
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {me.account_id: me}
        self.me = me.account_id
        self.issues: dict[str, Issue] = {}
        self.issue_type_ids: dict[str, str] = {}
        self.indexed_properties: set[tuple[str, str]] = set()
        self.listeners: list[Callable[[Change], None]] = []
        self._ids = {"issue": 10000, "project": 10000, "comment": 10000, "history": 10000, "link": 10000}
        self._next_number: dict[str, int] = {}

    def next_id(self, kind: str) -> int:
        """Monotonic ids per kind, like Jira's database sequences."""
        self._ids[kind] += 1
        return self._ids[kind]

    def add_project(self, key: str, name: str, issue_types: list[str]) -> Project:
        """Create a project; issue types are global, so new names get new global ids."""
        with self.lock:
            for type_name in issue_types:
                self.issue_type_ids.setdefault(type_name, str(10001 + len(self.issue_type_ids)))
            project = Project(str(self.next_id("project")), key, name, list(issue_types))
            self.projects[key] = project
            self._next_number[key] = 1
            return project

    def find_issue(self, id_or_key: str) -> Issue | None:
        """Issues are addressable by key or numeric id (the ``self`` URL uses the id)."""
        with self.lock:
            issue = self.issues.get(id_or_key.upper())
            if issue is None:
                issue = next((i for i in self.issues.values() if i.id == id_or_key), None)
            return issue

    def _emit(self, change: Change) -> None:
        for listener in list(self.listeners):
            listener(change)

    def create_issue(self, values: dict[str, Any], actor: str) -> Issue:
        """Store a validated issue and announce ``jira:issue_created``."""
        with self.lock:
            project = values["project"]
            key = f"{project}-{self._next_number[project]}"
            self._next_number[project] += 1
            stamp = now()
            issue = Issue(
                id=str(self.next_id("issue")),
                key=key,
                project=project,
                issue_type=values["issuetype"],
                summary=values["summary"],
                reporter=values.get("reporter") or actor,
                created=stamp,
                updated=stamp,
                description=values.get("description"),
                labels=list(values.get("labels") or []),
                priority=values.get("priority") or "Medium",
                assignee=values.get("assignee"),
                duedate=values.get("duedate"),
            )
            self.issues[key] = issue
            self._emit(Change("jira:issue_created", "issue_created", issue, actor))
            return issue

    def _user_name(self, user_id: str | None) -> str | None:
        user = self.users.get(user_id or "")
        return user.display_name if user else None

    def _item(self, issue: Issue, name: str, new: Any) -> ChangeItem | None:
        """The changelog item Jira records for one field; ids and display strings per field type."""
        old = getattr(issue, name if name != "issuetype" else "issue_type")
        if old == new:
            return None
        if name == "labels":
            return ChangeItem(name, None, " ".join(old) or None, None, " ".join(new) or None)
        if name == "priority":
            return ChangeItem(name, PRIORITIES[old], old, PRIORITIES[new], new)
        if name == "assignee":
            user_ref = (lambda u: self.users[u].name) if self.deployment == "Server" else (lambda u: u)
            return ChangeItem(
                name,
                user_ref(old) if old else None,
                self._user_name(old),
                user_ref(new) if new else None,
                self._user_name(new),
            )
        if name == "description":
            return ChangeItem(name, None, adf_to_text(old) or None, None, adf_to_text(new) or None)
        return ChangeItem(name, old, old, new, new) if name == "duedate" else ChangeItem(name, None, old, None, new)

    def edit_issue(self, issue: Issue, values: dict[str, Any], comments: list[Any], actor: str) -> None:
        """Apply validated edits; records one changelog history and announces it if anything changed."""
        with self.lock:
            items = [item for name, value in values.items() if (item := self._item(issue, name, value))]
            for name, value in values.items():
                setattr(issue, name, list(value) if name == "labels" else value)
            history = self._record(issue, items, actor) if items else None
            if history:
                self._emit(Change("jira:issue_updated", "issue_updated", issue, actor, history))
            for body in comments:
                self.add_comment(issue, body, actor)

    def _record(self, issue: Issue, items: list[ChangeItem], actor: str) -> History:
        history = History(str(self.next_id("history")), actor, now(), items)
        issue.changelog.append(history)
        issue.updated = history.created
        return history

    def transitions_for(self, issue: Issue) -> list[Transition]:
        """Transitions available from the issue's current status."""
        return [t for t in TRANSITIONS if t.source == issue.status]

    def transition(self, issue: Issue, transition: Transition, actor: str, resolution: str | None = None) -> None:
        """Move an issue; entering Done sets resolution and resolutiondate, leaving Done clears them."""
        with self.lock:
            old_status = STATUSES[issue.status]
            new_status = STATUSES[transition.target]
            items = [ChangeItem("status", old_status.id, old_status.name, new_status.id, new_status.name)]
            new_resolution = (resolution or "Done") if new_status.name == DONE.name else None
            if new_resolution != issue.resolution:
                old_id = RESOLUTIONS.get(issue.resolution or "")
                new_id = RESOLUTIONS.get(new_resolution or "")
                items.insert(0, ChangeItem("resolution", old_id, issue.resolution, new_id, new_resolution))
            issue.status = new_status.name
            issue.resolution = new_resolution
            history = self._record(issue, items, actor)
            issue.resolution_date = history.created if new_resolution else None
            self._emit(Change("jira:issue_updated", "issue_generic", issue, actor, history))

    def path_to(self, issue: Issue, status: str) -> list[Transition]:
        """Shortest transition path to a status, so test helpers act like a person clicking through."""
        frontier: list[tuple[str, list[Transition]]] = [(issue.status, [])]
        seen = {issue.status}
        while frontier:
            current, path = frontier.pop(0)
            if current == status:
                return path
            for t in TRANSITIONS:
                if t.source == current and t.target not in seen:
                    seen.add(t.target)
                    frontier.append((t.target, [*path, t]))
        raise ValueError(f"no workflow path from {issue.status!r} to {status!r}")

    def add_comment(self, issue: Issue, body: Any, actor: str) -> Comment:
        """Add a comment; Jira bumps ``updated`` and sends ``issue_commented`` plus ``comment_created``."""
        with self.lock:
            comment = Comment(str(self.next_id("comment")), actor, body, now())
            issue.comments.append(comment)
            issue.updated = comment.created
            self._emit(Change("jira:issue_updated", "issue_commented", issue, actor, comment=comment))
            self._emit(Change("comment_created", "issue_commented", issue, actor, comment=comment))
            return comment

    def upsert_remote_link(self, issue: Issue, data: dict[str, Any]) -> tuple[RemoteLink, bool]:
        """POST remotelink semantics: an existing ``globalId`` is updated in place, otherwise a link is added."""
        with self.lock:
            global_id = data.get("globalId")
            existing = next((lk for lk in issue.remote_links if global_id and lk.global_id == global_id), None)
            if existing is not None:
                existing.object = data["object"]
                existing.application = data.get("application")
                existing.relationship = data.get("relationship")
                return existing, False
            link = RemoteLink(
                self.next_id("link"), global_id, data["object"], data.get("application"), data.get("relationship")
            )
            issue.remote_links.append(link)
            return link, True

    def set_property(self, issue: Issue, key: str, value: Any) -> bool:
        """Set an entity property; returns True when it was created (Jira answers 201 then, 200 on update)."""
        with self.lock:
            created = key not in issue.properties
            issue.properties[key] = value
            return created
