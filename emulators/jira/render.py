"""JSON renderings of stored records, shaped like Jira's REST responses.

v2 and v3 differ only in rich-text fields (description, comment bodies): v2 speaks plain strings, v3 speaks
Atlassian Document Format. Rendering converts between them so a value written through one version reads
correctly through the other, as on a real site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.jira.model import (
    CATEGORIES,
    PRIORITIES,
    RESOLUTIONS,
    STATUSES,
    Comment,
    Issue,
    Project,
    RemoteLink,
    Status,
    User,
    jira_time,
)

if TYPE_CHECKING:
    from emulators.jira.state import JiraState


def adf_to_text(node: Any) -> str:
    """Flatten an ADF document to text; paragraphs become lines, like Jira's v2 view of a v3 value."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    parts = [adf_to_text(child) for child in node.get("content", [])]
    joiner = "\n" if node.get("type") == "doc" else ""
    return joiner.join(parts)


def text_to_adf(text: str) -> dict[str, Any]:
    """Wrap plain text in a minimal ADF document, one paragraph per line."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []} for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def rich(value: Any, version: str) -> Any:
    """Render a stored rich-text value for the requested API version."""
    if value is None:
        return None
    if version == "3":
        return value if isinstance(value, dict) else text_to_adf(str(value))
    return adf_to_text(value)


def user_json(state: JiraState, user: User | None) -> dict[str, Any] | None:
    """A user as Jira shows it: accountId on Cloud, name/key on Server; e-mail only if visible."""
    if user is None:
        return None
    out: dict[str, Any] = {
        "displayName": user.display_name,
        "active": True,
        "timeZone": "UTC",
        "avatarUrls": {"48x48": f"{state.base_url}/secure/useravatar?size=large"},
    }
    if state.deployment == "Cloud":
        out |= {
            "self": f"{state.base_url}/rest/api/2/user?accountId={user.account_id}",
            "accountId": user.account_id,
            "accountType": "atlassian",
        }
    else:
        out |= {
            "self": f"{state.base_url}/rest/api/2/user?username={user.name}",
            "name": user.name,
            "key": user.key,
        }
    if user.email_visible:
        out["emailAddress"] = user.email
    return out


def status_json(state: JiraState, status: Status) -> dict[str, Any]:
    """Status with its category, which is what sync code should branch on (names are site-specific)."""
    cat_id, cat_name = CATEGORIES[status.category]
    return {
        "self": f"{state.base_url}/rest/api/2/status/{status.id}",
        "id": status.id,
        "name": status.name,
        "description": "",
        "statusCategory": {
            "self": f"{state.base_url}/rest/api/2/statuscategory/{cat_id}",
            "id": int(cat_id),
            "key": status.category,
            "name": cat_name,
            "colorName": {"new": "blue-gray", "indeterminate": "yellow", "done": "green"}[status.category],
        },
    }


def issue_type_json(state: JiraState, name: str) -> dict[str, Any]:
    """Issue type; ids are global across projects, as in Jira."""
    type_id = state.issue_type_ids[name]
    return {
        "self": f"{state.base_url}/rest/api/2/issuetype/{type_id}",
        "id": type_id,
        "name": name,
        "description": "",
        "subtask": False,
        "hierarchyLevel": 0,
        "iconUrl": f"{state.base_url}/images/icons/issuetypes/{name.lower()}.svg",
    }


def priority_json(state: JiraState, name: str) -> dict[str, Any]:
    """Priority reference as embedded in issues and listed by GET priority."""
    pid = PRIORITIES[name]
    return {
        "self": f"{state.base_url}/rest/api/2/priority/{pid}",
        "id": pid,
        "name": name,
        "iconUrl": f"{state.base_url}/images/icons/priorities/{name.lower()}.svg",
    }


def resolution_json(state: JiraState, name: str | None) -> dict[str, Any] | None:
    """Resolution reference, or null for unresolved issues (what JQL ``resolution = Unresolved`` sees)."""
    if name is None:
        return None
    rid = RESOLUTIONS[name]
    return {"self": f"{state.base_url}/rest/api/2/resolution/{rid}", "id": rid, "name": name}


def project_json(state: JiraState, project: Project, with_types: bool = True) -> dict[str, Any]:
    """Project; ``issueTypes`` is what ``jira.issue_type_by_name(project=...)`` reads."""
    out: dict[str, Any] = {
        "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
        "self": f"{state.base_url}/rest/api/2/project/{project.id}",
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "projectTypeKey": "software",
        "simplified": False,
        "style": "classic",
        "avatarUrls": {"48x48": f"{state.base_url}/secure/projectavatar?pid={project.id}"},
    }
    if with_types:
        out["issueTypes"] = [issue_type_json(state, t) for t in project.issue_types]
        out["lead"] = user_json(state, state.users[state.me])
    return out


def comment_json(state: JiraState, issue: Issue, comment: Comment, version: str) -> dict[str, Any]:
    """Comment resource, body rendered for the API version."""
    author = user_json(state, state.users.get(comment.author))
    return {
        "self": f"{state.base_url}/rest/api/{version}/issue/{issue.id}/comment/{comment.id}",
        "id": comment.id,
        "author": author,
        "updateAuthor": author,
        "body": rich(comment.body, version),
        "created": jira_time(comment.created),
        "updated": jira_time(comment.created),
        "jsdPublic": True,
    }


def remote_link_json(state: JiraState, issue: Issue, link: RemoteLink) -> dict[str, Any]:
    """Remote link resource as returned by GET remotelink."""
    out: dict[str, Any] = {
        "id": link.id,
        "self": f"{state.base_url}/rest/api/2/issue/{issue.key}/remotelink/{link.id}",
        "object": link.object,
    }
    if link.global_id is not None:
        out["globalId"] = link.global_id
    if link.application is not None:
        out["application"] = link.application
    if link.relationship is not None:
        out["relationship"] = link.relationship
    return out


def issue_fields(state: JiraState, issue: Issue, version: str) -> dict[str, Any]:
    """All fields of an issue, keyed by field id."""
    project = state.projects[issue.project]
    comments = [comment_json(state, issue, c, version) for c in issue.comments]
    return {
        "summary": issue.summary,
        "description": rich(issue.description, version),
        "status": status_json(state, STATUSES[issue.status]),
        "statuscategorychangedate": jira_time(issue.updated),
        "resolution": resolution_json(state, issue.resolution),
        "resolutiondate": jira_time(issue.resolution_date),
        "labels": list(issue.labels),
        "priority": priority_json(state, issue.priority),
        "assignee": user_json(state, state.users.get(issue.assignee or "")),
        "reporter": user_json(state, state.users.get(issue.reporter)),
        "creator": user_json(state, state.users.get(issue.reporter)),
        "duedate": issue.duedate,
        "created": jira_time(issue.created),
        "updated": jira_time(issue.updated),
        "issuetype": issue_type_json(state, issue.issue_type),
        "project": project_json(state, project, with_types=False),
        "comment": {"comments": comments, "maxResults": len(comments), "total": len(comments), "startAt": 0},
    }


def select_fields(all_fields: dict[str, Any], requested: list[str] | None) -> dict[str, Any]:
    """Apply Jira's ``fields`` parameter: ``*all``/``*navigable``, explicit ids, ``-id`` exclusions."""
    if not requested:
        return all_fields
    wanted: set[str] = set()
    for item in requested:
        if item in ("*all", "*navigable"):
            wanted |= set(all_fields)
        elif not item.startswith("-"):
            wanted.add(item)
    wanted -= {item[1:] for item in requested if item.startswith("-")}
    return {k: v for k, v in all_fields.items() if k in wanted}


def issue_json(
    state: JiraState,
    issue: Issue,
    version: str = "2",
    fields: list[str] | None = None,
    properties: list[str] | None = None,
    expand: str = "",
) -> dict[str, Any]:
    """Full issue JSON; ``self`` points at the id, as Jira's does (the client PUTs to it)."""
    out: dict[str, Any] = {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue.id,
        "self": f"{state.base_url}/rest/api/{version}/issue/{issue.id}",
        "key": issue.key,
        "fields": select_fields(issue_fields(state, issue, version), fields),
    }
    if properties:
        keys = set(issue.properties) if "*all" in properties else set(properties)
        out["properties"] = {k: v for k, v in issue.properties.items() if k in keys}
    if "changelog" in expand:
        histories = [
            {
                "id": h.id,
                "author": user_json(state, state.users.get(h.author)),
                "created": jira_time(h.created),
                "items": [i.as_json() for i in h.items],
            }
            for h in issue.changelog
        ]
        out["changelog"] = {"startAt": 0, "maxResults": len(histories), "total": len(histories)}
        out["changelog"]["histories"] = histories
    return out
