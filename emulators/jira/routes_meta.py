"""Site metadata endpoints: serverInfo, myself, projects, issue types, priorities, fields, users.

These are what the ``jira`` client reads before it can create or search (serverInfo decides Cloud vs
Server behaviour; ``field`` feeds its JQL-name cache; ``project`` resolves issue type names).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulators.jira.model import PRIORITIES, RESOLUTIONS, STATUSES
from emulators.jira.render import issue_type_json, priority_json, project_json, status_json, user_json
from emulators.jira.rest import JiraHttpError, int_param, state_of

P = "/rest/api/{v:2|3|latest}"
# id, name, schema type, orderable/searchable clause names; the standard system fields only.
_FIELDS: tuple[tuple[str, str, str, list[str]], ...] = (
    ("summary", "Summary", "string", ["summary"]),
    ("description", "Description", "string", ["description"]),
    ("status", "Status", "status", ["status"]),
    ("resolution", "Resolution", "resolution", ["resolution"]),
    ("resolutiondate", "Resolved", "datetime", ["resolutiondate", "resolved"]),
    ("labels", "Labels", "array", ["labels"]),
    ("priority", "Priority", "priority", ["priority"]),
    ("assignee", "Assignee", "user", ["assignee"]),
    ("reporter", "Reporter", "user", ["reporter"]),
    ("duedate", "Due date", "date", ["due", "duedate"]),
    ("created", "Created", "datetime", ["created", "createdDate"]),
    ("updated", "Updated", "datetime", ["updated", "updatedDate"]),
    ("issuetype", "Issue Type", "issuetype", ["issuetype", "type"]),
    ("project", "Project", "project", ["project"]),
    ("issuekey", "Key", "string", ["id", "issue", "issuekey", "key"]),
    ("comment", "Comment", "comments-page", ["comment"]),
)


async def server_info(request: web.Request) -> web.Response:
    """serverInfo; ``deploymentType`` is what switches the ``jira`` client between Cloud and Server code paths."""
    st = state_of(request)
    version, numbers = ("1001.0.0-SNAPSHOT", [1001, 0, 0]) if st.deployment == "Cloud" else ("9.12.2", [9, 12, 2])
    return web.json_response(
        {
            "baseUrl": st.base_url,
            "displayUrl": st.base_url,
            "version": version,
            "versionNumbers": numbers,
            "deploymentType": st.deployment,
            "buildNumber": 100265 if st.deployment == "Cloud" else 9120002,
            "buildDate": "2026-01-05T00:00:00.000+0000",
            "serverTime": "2026-01-05T00:00:00.000+0000",
            "scmInfo": "0f5e0a3c1a1c2b0f4f0e0d4bd4c2a1b7f0d3a8e1",
            "serverTitle": "Jira",
            "defaultLocale": {"locale": "en_US"},
        }
    )


async def myself(request: web.Request) -> web.Response:
    """The authenticated user (the emulator's API identity)."""
    st = state_of(request)
    return web.json_response(user_json(st, st.users[st.me]))


async def projects(request: web.Request) -> web.Response:
    """GET project: every project, without issue types (as Jira's list does)."""
    st = state_of(request)
    return web.json_response([project_json(st, p, with_types=False) for p in st.projects.values()])


async def project(request: web.Request) -> web.Response:
    """GET project/{key-or-id}."""
    st = state_of(request)
    ref = request.match_info["project"]
    for proj in st.projects.values():
        if ref in (proj.key, proj.id) or ref.upper() == proj.key:
            return web.json_response(project_json(st, proj))
    raise JiraHttpError(404, [f"No project could be found with key '{ref}'."])


async def issue_types(request: web.Request) -> web.Response:
    """GET issuetype: the global issue types."""
    st = state_of(request)
    return web.json_response([issue_type_json(st, name) for name in st.issue_type_ids])


async def priorities(request: web.Request) -> web.Response:
    """GET priority."""
    st = state_of(request)
    return web.json_response([priority_json(st, name) for name in PRIORITIES])


async def statuses(request: web.Request) -> web.Response:
    """GET status."""
    st = state_of(request)
    return web.json_response([status_json(st, s) for s in STATUSES.values()])


async def resolutions(request: web.Request) -> web.Response:
    """GET resolution."""
    st = state_of(request)
    base = f"{st.base_url}/rest/api/2/resolution"
    return web.json_response([{"self": f"{base}/{rid}", "id": rid, "name": n} for n, rid in RESOLUTIONS.items()])


async def fields(request: web.Request) -> web.Response:
    """GET field: the system fields with the clause names the client's field cache maps from."""
    out: list[dict[str, Any]] = [
        {
            "id": fid,
            "key": fid,
            "name": name,
            "custom": False,
            "orderable": fid not in ("status", "created", "updated", "resolutiondate", "issuekey"),
            "navigable": True,
            "searchable": True,
            "clauseNames": clauses,
            "schema": {"type": schema, "system": fid},
        }
        for fid, name, schema, clauses in _FIELDS
    ]
    return web.json_response(out)


async def user_search(request: web.Request) -> web.Response:
    """GET user/search: Cloud takes ``query`` (GDPR strict mode refuses ``username``), Server takes ``username``."""
    st = state_of(request)
    start, limit = int_param(request, "startAt", 0), int_param(request, "maxResults", 50)
    q = request.query
    if st.deployment == "Cloud":
        if "query" in q and "accountId" in q:
            raise JiraHttpError(400, ["The parameters 'query' and 'accountId' cannot be used together."])
        if "username" in q and not ({"query", "accountId"} & set(q)):
            raise JiraHttpError(400, ["The query parameter 'username' is not supported in GDPR strict mode."])
        if not ({"query", "accountId", "property"} & set(q)):
            raise JiraHttpError(400, ["One of 'query' or 'accountId' or 'property' parameters must be provided."])
        term = q.get("query", q.get("accountId", "")).lower()
        hits = [
            u
            for u in st.users.values()
            if term == u.account_id.lower()
            or u.email.lower().startswith(term)
            or any(word.lower().startswith(term) for word in u.display_name.split())
        ]
    else:
        if not q.get("username"):
            raise JiraHttpError(400, ["The username query parameter was not provided"])
        term = q["username"].lower()
        hits = [
            u
            for u in st.users.values()
            if u.name.lower().startswith(term)
            or u.email.lower().startswith(term)
            or u.display_name.lower().startswith(term)
        ]
    return web.json_response([user_json(st, u) for u in hits[start : start + limit]])


async def application_links(request: web.Request) -> web.Response:
    """The applinks list ``add_remote_link`` reads first; this site has none configured."""
    return web.json_response({"list": []})


def register(router: web.UrlDispatcher) -> None:
    """Attach the metadata routes."""
    router.add_get(f"{P}/serverInfo", server_info)
    router.add_get(f"{P}/myself", myself)
    router.add_get(f"{P}/project", projects)
    router.add_get(P + "/project/{project}", project)
    router.add_get(f"{P}/issuetype", issue_types)
    router.add_get(f"{P}/priority", priorities)
    router.add_get(f"{P}/status", statuses)
    router.add_get(f"{P}/resolution", resolutions)
    router.add_get(f"{P}/field", fields)
    router.add_get(f"{P}/user/search", user_search)
    router.add_get("/rest/applinks/latest/listApplicationlinks", application_links)
