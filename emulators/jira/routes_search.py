"""JQL search endpoints, per deployment.

Server/DC serves ``search`` with startAt/maxResults/total paging. Cloud removed that endpoint (410) in
favour of ``search/jql`` with opaque ``nextPageToken`` paging, no ``total``, ``id``-only default fields
and a refusal of unbounded queries — the ``jira`` client picks one by ``deploymentType``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from aiohttp import web

from emulators.jira.jql import JqlError
from emulators.jira.jql_eval import is_bounded, search
from emulators.jira.render import issue_json
from emulators.jira.rest import JiraHttpError, body_of, list_param, state_of, version_of

P = "/rest/api/{v:2|3|latest}"
CLOUD_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


async def _params(request: web.Request) -> dict[str, Any]:
    """Search parameters from the query string (GET) or the JSON body (POST), normalised to lists."""
    if request.method == "POST":
        body = await body_of(request)
        out = dict(body)
        for name in ("fields", "properties"):
            if isinstance(out.get(name), str):
                out[name] = out[name].split(",")
        if isinstance(out.get("expand"), list):
            out["expand"] = ",".join(out["expand"])
        return out
    q = request.query
    out = {k: q[k] for k in ("jql", "startAt", "maxResults", "nextPageToken", "expand") if k in q}
    out["fields"] = list_param(request, "fields")
    out["properties"] = list_param(request, "properties")
    return out


def _int(params: dict[str, Any], name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except (TypeError, ValueError):
        raise JiraHttpError(400, [f"The '{name}' parameter must be a number."]) from None


def _render(request: web.Request, params: dict[str, Any], issues: list, default_fields: list[str]) -> list[dict]:
    st = state_of(request)
    with st.lock:
        return [
            issue_json(
                st,
                issue,
                version_of(request),
                fields=params.get("fields") or default_fields,
                properties=params.get("properties"),
                expand=str(params.get("expand") or ""),
            )
            for issue in issues
        ]


def _run(request: web.Request, jql: str) -> list:
    try:
        return search(state_of(request), jql)
    except JqlError as exc:
        raise JiraHttpError(400, [str(exc)]) from None


async def server_search(request: web.Request) -> web.Response:
    """``search`` (Server/DC): offset paging with ``total``; on Cloud it is gone (410)."""
    if state_of(request).deployment == "Cloud":
        raise JiraHttpError(410, [CLOUD_REMOVED])
    params = await _params(request)
    start = _int(params, "startAt", 0)
    limit = min(_int(params, "maxResults", 50), 1000)
    hits = _run(request, str(params.get("jql") or ""))
    page = hits[start : start + limit] if limit > 0 else []
    issues = _render(request, params, page, ["*navigable"])
    return web.json_response(
        {"expand": "schema,names", "startAt": start, "maxResults": limit, "total": len(hits), "issues": issues}
    )


def _token(offset: int, jql: str) -> str:
    digest = hashlib.sha256(jql.encode()).hexdigest()[:12]
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": digest}).encode()).decode()


def _offset(token: str | None, jql: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["q"] == hashlib.sha256(jql.encode()).hexdigest()[:12]:
            return int(data["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise JiraHttpError(400, ["The provided next page token is invalid or expired."])


async def cloud_search(request: web.Request) -> web.Response:
    """``search/jql`` (Cloud only): token paging, ``isLast``, no ``total``; unbounded JQL is refused."""
    if state_of(request).deployment == "Server":
        raise web.HTTPNotFound()
    params = await _params(request)
    jql = str(params.get("jql") or "")
    try:
        bounded = is_bounded(jql)
    except JqlError as exc:
        raise JiraHttpError(400, [str(exc)]) from None
    if not bounded:
        raise JiraHttpError(
            400, ["Unbounded JQL queries are not allowed here. Please add a search restriction to your query."]
        )
    limit = max(1, min(_int(params, "maxResults", 50), 5000))
    start = _offset(params.get("nextPageToken"), jql)
    hits = _run(request, jql)
    page = hits[start : start + limit]
    out: dict[str, Any] = {"issues": _render(request, params, page, ["id"]), "isLast": start + limit >= len(hits)}
    if not out["isLast"]:
        out["nextPageToken"] = _token(start + limit, jql)
    return web.json_response(out)


def register(router: web.UrlDispatcher) -> None:
    """Attach both search families; each refuses the deployment it does not belong to."""
    router.add_get(f"{P}/search", server_search)
    router.add_post(f"{P}/search", server_search)
    router.add_get(f"{P}/search/jql", cloud_search)
    router.add_post(f"{P}/search/jql", cloud_search)
