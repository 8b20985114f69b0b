"""Issue endpoints: create, read, edit, transitions, comments, remote links, entity properties.

Each handler validates like Jira and answers with Jira's status codes (201 create, 204 edit/transition,
200 vs 201 for upserts) because the ``jira`` client and Vigil's retry logic branch on them.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from emulators.jira.model import DONE, RESOLUTIONS, STATUSES
from emulators.jira.render import comment_json, issue_json, remote_link_json, status_json
from emulators.jira.rest import JiraHttpError, body_of, issue_of, list_param, state_of, version_of
from emulators.jira.validate import NOT_SETTABLE, Invalid, check_comment, validate_create, validate_edit

P = "/rest/api/{v:2|3|latest}/issue"


async def create_issue(request: web.Request) -> web.Response:
    """POST issue: 400 with per-field errors, or 201 with id/key/self."""
    st, version = state_of(request), version_of(request)
    body = await body_of(request)
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise JiraHttpError(400, [], {"project": "project is required"})
    values, errors = validate_create(st, fields, version)
    if body.get("update"):
        errors.update({name: NOT_SETTABLE.format(name) for name in body["update"]})
    if errors:
        raise JiraHttpError(400, [], errors)
    issue = st.create_issue(values, st.me)
    self_url = f"{st.base_url}/rest/api/{version}/issue/{issue.id}"
    return web.json_response({"id": issue.id, "key": issue.key, "self": self_url}, status=201)


async def get_issue(request: web.Request) -> web.Response:
    """GET issue/{key}: honours ``fields``, ``properties`` and ``expand=changelog``."""
    st, issue = state_of(request), issue_of(request)
    with st.lock:
        out = issue_json(
            st,
            issue,
            version_of(request),
            fields=list_param(request, "fields"),
            properties=list_param(request, "properties"),
            expand=request.query.get("expand", ""),
        )
    return web.json_response(out)


async def edit_issue(request: web.Request) -> web.Response:
    """PUT issue/{key}: ``fields`` sets and ``update`` operations, all-or-nothing, 204 on success."""
    st, issue = state_of(request), issue_of(request)
    body = await body_of(request)
    values, comments, errors = validate_edit(st, issue, body, version_of(request))
    if errors:
        raise JiraHttpError(400, [], errors)
    st.edit_issue(issue, values, comments, st.me)
    return web.Response(status=204)


async def get_transitions(request: web.Request) -> web.Response:
    """GET transitions available from the current status."""
    st, issue = state_of(request), issue_of(request)
    wanted = request.query.get("transitionId")
    out = [
        {
            "id": t.id,
            "name": t.name,
            "to": status_json(st, STATUSES[t.target]),
            "hasScreen": False,
            "isGlobal": False,
            "isInitial": False,
            "isAvailable": True,
            "isConditional": False,
            "isLooped": False,
        }
        for t in st.transitions_for(issue)
        if wanted is None or t.id == wanted
    ]
    return web.json_response({"expand": "transitions", "transitions": out})


async def do_transition(request: web.Request) -> web.Response:
    """POST transitions: validates the id against the current status; Done may carry a resolution."""
    st, issue, version = state_of(request), issue_of(request), version_of(request)
    body = await body_of(request)
    ref = (body.get("transition") or {}).get("id")
    if ref is None:
        raise JiraHttpError(400, ["Missing 'transition' identifier"])
    transition = next((t for t in st.transitions_for(issue) if t.id == str(ref)), None)
    if transition is None:
        raise JiraHttpError(400, [f"Transition id '{ref}' is not valid for this issue."])
    errors: dict[str, str] = {}
    resolution = None
    for name, value in (body.get("fields") or {}).items():
        if name == "resolution" and transition.target == DONE.name and isinstance(value, dict):
            resolution = value.get("name") or next((n for n, i in RESOLUTIONS.items() if i == value.get("id")), None)
            if resolution not in RESOLUTIONS:
                errors[name] = "The resolution selected is invalid."
        else:
            errors[name] = NOT_SETTABLE.format(name)
    comments = []
    for op in (body.get("update") or {}).get("comment", []):
        try:
            comments.append(check_comment((op.get("add") or {}).get("body"), version))
        except Invalid as exc:
            errors["comment"] = str(exc)
    if errors:
        raise JiraHttpError(400, [], errors)
    st.transition(issue, transition, st.me, resolution)
    for comment in comments:
        st.add_comment(issue, comment, st.me)
    return web.Response(status=204)


async def get_comments(request: web.Request) -> web.Response:
    """GET comment: a page of comments."""
    st, issue, version = state_of(request), issue_of(request), version_of(request)
    comments = [comment_json(st, issue, c, version) for c in issue.comments]
    return web.json_response({"startAt": 0, "maxResults": len(comments), "total": len(comments), "comments": comments})


async def add_comment(request: web.Request) -> web.Response:
    """POST comment: 201 with the comment resource."""
    st, issue, version = state_of(request), issue_of(request), version_of(request)
    body = await body_of(request)
    try:
        text = check_comment(body.get("body"), version)
    except Invalid as exc:
        raise JiraHttpError(400, [], {"comment": str(exc)}) from None
    comment = st.add_comment(issue, text, st.me)
    return web.json_response(comment_json(st, issue, comment, version), status=201)


async def get_remote_links(request: web.Request) -> web.Response:
    """GET remotelink: all links, or the one with ``globalId``."""
    st, issue = state_of(request), issue_of(request)
    global_id = request.query.get("globalId")
    links = [remote_link_json(st, issue, lk) for lk in issue.remote_links]
    if global_id is None:
        return web.json_response(links)
    match = next((lk for lk in links if lk.get("globalId") == global_id), None)
    if match is None:
        raise JiraHttpError(404, [f"No remote link with globalId '{global_id}' exists on this issue."])
    return web.json_response(match)


async def add_remote_link(request: web.Request) -> web.Response:
    """POST remotelink: upsert by ``globalId`` — 200 when it updated, 201 when it created."""
    st, issue = state_of(request), issue_of(request)
    body = await body_of(request)
    obj = body.get("object")
    errors: dict[str, str] = {}
    if not isinstance(obj, dict) or not obj.get("title"):
        errors["title"] = "'title' is required."
    if not isinstance(obj, dict) or not obj.get("url"):
        errors["url"] = "'url' is required."
    if errors:
        raise JiraHttpError(400, [], errors)
    link, created = st.upsert_remote_link(issue, body)
    self_url = f"{st.base_url}/rest/api/2/issue/{issue.key}/remotelink/{link.id}"
    return web.json_response({"id": link.id, "self": self_url}, status=201 if created else 200)


async def list_properties(request: web.Request) -> web.Response:
    """GET properties: the property keys of an issue."""
    st, issue = state_of(request), issue_of(request)
    base = f"{st.base_url}/rest/api/2/issue/{issue.id}/properties"
    return web.json_response({"keys": [{"self": f"{base}/{k}", "key": k} for k in issue.properties]})


async def get_property(request: web.Request) -> web.Response:
    """GET properties/{key}."""
    issue, key = issue_of(request), request.match_info["key"]
    if key not in issue.properties:
        raise JiraHttpError(404, [f"The property with key '{key}' does not exist."])
    return web.json_response({"key": key, "value": issue.properties[key]})


async def put_property(request: web.Request) -> web.Response:
    """PUT properties/{key}: any JSON value up to 32 KB; 201 on create, 200 on update."""
    st, issue, key = state_of(request), issue_of(request), request.match_info["key"]
    raw = await request.read()
    if len(key) > 255:
        raise JiraHttpError(400, ["The property key cannot be longer than 255 characters."])
    if len(raw) > 32768:
        raise JiraHttpError(400, ["The property value cannot be longer than 32768 bytes."])
    try:
        value: Any = json.loads(raw)
    except ValueError:
        raise JiraHttpError(400, ["The property value must be a valid JSON."]) from None
    created = st.set_property(issue, key, value)
    return web.Response(status=201 if created else 200)


def register(router: web.UrlDispatcher) -> None:
    """Attach the issue routes."""
    router.add_post(P, create_issue)
    router.add_get(P + "/{issue}", get_issue)
    router.add_put(P + "/{issue}", edit_issue)
    router.add_get(P + "/{issue}/transitions", get_transitions)
    router.add_post(P + "/{issue}/transitions", do_transition)
    router.add_get(P + "/{issue}/comment", get_comments)
    router.add_post(P + "/{issue}/comment", add_comment)
    router.add_get(P + "/{issue}/remotelink", get_remote_links)
    router.add_post(P + "/{issue}/remotelink", add_remote_link)
    router.add_get(P + "/{issue}/properties", list_properties)
    router.add_get(P + "/{issue}/properties/{key}", get_property)
    router.add_put(P + "/{issue}/properties/{key}", put_property)
