"""The Jira emulator, driven through the real ``jira`` client on both deployments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jira
import pytest
import requests

from emulators.jira import JiraEmulator
from emulators.jira.testing import client_for, running


@pytest.fixture(params=["Cloud", "Server"])
def emu(request: pytest.FixtureRequest) -> Iterator[JiraEmulator]:
    with running(request.param) as emulator:
        yield emulator


@pytest.fixture
def client(emu: JiraEmulator) -> jira.JIRA:
    return client_for(emu)


def user_ref(emu: JiraEmulator, email: str) -> dict[str, str]:
    user = next(u for u in emu.state.users.values() if u.email == email)
    return {"accountId": user.account_id} if emu.deployment == "Cloud" else {"name": user.name}


def create(client: jira.JIRA, **fields: Any) -> jira.Issue:
    base: dict[str, Any] = {"project": {"key": "SAFE"}, "issuetype": {"name": "Task"}, "summary": "Rotate keys"}
    return client.create_issue(fields=base | fields)


def test_client_sees_deployment_and_identity(emu: JiraEmulator, client: jira.JIRA) -> None:
    assert client.deploymentType == emu.deployment
    assert client.server_info()["baseUrl"] == emu.url
    me = client.myself()
    assert me["emailAddress"] == emu.email
    assert ("accountId" in me) == (emu.deployment == "Cloud")


def test_create_issue_with_all_fields(emu: JiraEmulator, client: jira.JIRA) -> None:
    emu.add_user("alice@example.com", "Alice")
    issue = client.create_issue(
        project="SAFE",
        issuetype="Task",
        summary="Rotate keys",
        description="after INC-7",
        labels=["vigil", "inc-7"],
        priority={"name": "High"},
        duedate="2026-02-01",
        assignee=user_ref(emu, "alice@example.com"),
    )
    assert issue.key == "SAFE-1"
    assert create(client).key == "SAFE-2"
    f = issue.fields
    assert (f.summary, f.description, f.labels) == ("Rotate keys", "after INC-7", ["vigil", "inc-7"])
    assert (f.priority.name, f.duedate, f.assignee.displayName) == ("High", "2026-02-01", "Alice")
    assert (f.status.name, f.status.statusCategory.key, f.resolution) == ("To Do", "new", None)
    assert emu.issues["SAFE-1"].labels == ["vigil", "inc-7"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"project": {"key": "NOPE"}}, "project", "valid project is required"),
        ({"issuetype": {"name": "Epic"}}, "issuetype", "valid issue type is required"),
        ({"summary": ""}, "summary", "You must specify a summary of the issue."),
        ({"summary": "x" * 256}, "summary", "Summary must be less than 255 characters."),
        ({"priority": {"name": "Urgent"}}, "priority", "Priority name 'Urgent' is not valid"),
        ({"labels": ["two words"]}, "labels", "The label 'two words' contains spaces which is invalid."),
        ({"duedate": "01/02/2026"}, "duedate", "Error parsing date string: 01/02/2026"),
        ({"customfield_1": "x"}, "customfield_1", "Field 'customfield_1' cannot be set. It is not on"),
    ],
)
def test_create_validation_matches_jira(client: jira.JIRA, fields: dict, field: str, message: str) -> None:
    with pytest.raises(jira.JIRAError) as err:
        create(client, **fields)
    assert err.value.status_code == 400
    assert message in err.value.text
    assert field in err.value.response.json()["errors"]


def test_missing_summary_and_unknown_assignee(emu: JiraEmulator, client: jira.JIRA) -> None:
    body = {"project": {"key": "SAFE"}, "issuetype": {"name": "Task"}}
    with pytest.raises(jira.JIRAError, match="You must specify a summary"):
        client.create_issue(fields=body)
    ghost = {"accountId": "nobody"} if emu.deployment == "Cloud" else {"name": "nobody"}
    with pytest.raises(jira.JIRAError) as err:
        create(client, assignee=ghost)
    assert "assignee" in err.value.response.json()["errors"]
    assert emu.issues == {}


def test_update_fields_and_label_ops_record_changelog(emu: JiraEmulator, client: jira.JIRA) -> None:
    issue = create(client, labels=["vigil", "old"])
    issue.update(fields={"summary": "Rotate all keys", "priority": {"name": "Low"}})
    issue.update(update={"labels": [{"add": "sev1"}, {"remove": "old"}]})
    assert issue.fields.summary == "Rotate all keys"
    assert issue.fields.labels == ["vigil", "sev1"]
    with pytest.raises(jira.JIRAError, match="contains spaces"):
        issue.update(update={"labels": [{"add": "bad label"}]})
    items = [item for h in emu.issues[issue.key].changelog for item in h.items]
    assert [(i.field, i.from_string, i.to_string) for i in items] == [
        ("summary", "Rotate keys", "Rotate all keys"),
        ("priority", "Medium", "Low"),
        ("labels", "vigil old", "vigil sev1"),
    ]


def test_workflow_transitions_and_resolution(emu: JiraEmulator, client: jira.JIRA) -> None:
    issue = create(client)
    assert [t["name"] for t in client.transitions(issue)] == ["In Progress"]
    with pytest.raises(jira.JIRAError) as err:
        client.transition_issue(issue, "31")
    assert err.value.status_code == 400
    assert err.value.text == "Transition id '31' is not valid for this issue."
    client.transition_issue(issue, "In Progress")
    client.transition_issue(issue, "Done", comment="closing")
    done = client.issue(issue.key)
    assert (done.fields.status.statusCategory.key, done.fields.resolution.name) == ("done", "Done")
    assert done.fields.resolutiondate is not None
    assert done.fields.comment.comments[0].body == "closing"
    client.transition_issue(issue, "To Do")
    reopened = client.issue(issue.key)
    assert (reopened.fields.status.name, reopened.fields.resolution, reopened.fields.resolutiondate) == (
        "To Do",
        None,
        None,
    )


def test_comments_remote_links_and_properties(emu: JiraEmulator, client: jira.JIRA) -> None:
    issue = create(client)
    client.add_comment(issue, "first")
    assert [c.body for c in client.comments(issue)] == ["first"]
    first = client.add_remote_link(issue.key, {"url": "https://vigil/inc/7", "title": "INC-7"}, globalId="vigil:7")
    again = client.add_remote_link(
        issue.key, {"url": "https://vigil/inc/7", "title": "INC-7 (sev1)"}, globalId="vigil:7"
    )
    client.add_simple_link(issue.key, {"url": "https://other", "title": "other"})
    links = client.remote_links(issue.key)
    assert first.id == again.id and len(links) == 2
    assert links[0].object.title == "INC-7 (sev1)"
    assert [r.status for r in emu.requests if r.method == "POST" and r.path.endswith("/remotelink")] == [201, 200, 201]
    client.add_issue_property(issue.key, "vigil", {"actionId": "act-1"})
    assert client.issue_property(issue.key, "vigil").value.actionId == "act-1"
    assert emu.issues[issue.key].properties == {"vigil": {"actionId": "act-1"}}
    with pytest.raises(jira.JIRAError) as err:
        client.issue_property(issue.key, "missing")
    assert err.value.status_code == 404


def test_issue_not_found_uses_jira_body(client: jira.JIRA) -> None:
    with pytest.raises(jira.JIRAError) as err:
        client.issue("SAFE-99")
    assert err.value.status_code == 404
    assert err.value.response.json() == {
        "errorMessages": ["Issue does not exist or you do not have permission to see it."],
        "errors": {},
    }


def test_search_jql_forms(emu: JiraEmulator, client: jira.JIRA) -> None:
    a = create(client, labels=["vigil", "inc-1"]).key
    b = create(client, labels=["vigil"]).key
    c = create(client, summary="unrelated").key
    client.transition_issue(b, "In Progress")
    client.transition_issue(b, "Done")

    def keys(jql: str) -> list[str]:
        return [i.key for i in client.search_issues(jql)]

    assert keys('project = SAFE AND labels = "vigil" ORDER BY updated DESC') == [b, a]
    assert keys("labels in (inc-1, nope) OR key in (SAFE-3)") == [c, a]
    assert keys("project = SAFE AND (status = Done OR statusCategory = 'To Do') ORDER BY key ASC") == [a, b, c]
    assert keys("statusCategory = Done") == [b]
    assert keys("project = SAFE AND labels != inc-1 ORDER BY key") == [b]
    assert keys('project = SAFE AND updated >= "2020-01-01 10:00" AND updated > -5m ORDER BY created ASC') == [a, b, c]
    assert keys("project = SAFE AND resolution = Unresolved ORDER BY key") == [a, c]
    assert keys("project = SAFE AND updated < -1d") == []


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("foo = bar", "Field 'foo' does not exist or you do not have permission to view it."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("key in (SAFE-42)", "An issue with key 'SAFE-42' does not exist for field 'key'."),
        ("project = SAFE AND", "Error in the JQL Query: Expecting either a value, list or function"),
        ("project SAFE", "Error in the JQL Query: Expecting operator but got 'SAFE'."),
        ("updated >= 'yesterday'", "Date value 'yesterday' for field 'updated' is invalid."),
    ],
)
def test_jql_errors_are_400_with_jira_text(client: jira.JIRA, jql: str, message: str) -> None:
    with pytest.raises(jira.JIRAError) as err:
        client.search_issues(jql)
    assert err.value.status_code == 400
    assert message in err.value.text


def test_entity_property_search_needs_an_indexed_property(emu: JiraEmulator, client: jira.JIRA) -> None:
    issue = create(client)
    client.add_issue_property(issue.key, "vigil", {"actionId": "act-9"})
    jql = 'project = SAFE AND issue.property[vigil].actionId = "act-9"'
    assert client.search_issues(jql) == []
    emu.index_property("vigil", "actionId")
    assert [i.key for i in client.search_issues(jql)] == [issue.key]


def test_paging_follows_each_deployments_api(emu: JiraEmulator, client: jira.JIRA) -> None:
    keys = [create(client).key for _ in range(3)]
    if emu.deployment == "Cloud":
        first = client.enhanced_search_issues("project = SAFE ORDER BY key", maxResults=2)
        second = client.enhanced_search_issues("project = SAFE ORDER BY key", nextPageToken=first.nextPageToken)
        assert [i.key for i in first + second] == keys
        assert [i.key for i in client.search_issues("project = SAFE ORDER BY key", maxResults=0)] == keys
        with pytest.raises(jira.JIRAError, match="Unbounded JQL"):
            client.enhanced_search_issues("ORDER BY key")
        assert requests.get(f"{emu.url}/rest/api/2/search", auth=(emu.email, emu.api_token)).status_code == 410
    else:
        page = client.search_issues("project = SAFE ORDER BY key", startAt=1, maxResults=1)
        assert ([i.key for i in page], page.total) == ([keys[1]], 3)
        headers = {"Authorization": f"Bearer {emu.pat}"}
        assert requests.get(f"{emu.url}/rest/api/2/search/jql", headers=headers).status_code == 404


def test_search_users_by_email(emu: JiraEmulator, client: jira.JIRA) -> None:
    alice = emu.add_user("alice@example.com", "Alice Liddell")
    emu.add_user("bob@example.com", "Bob", email_visible=False)
    if emu.deployment == "Cloud":
        found = client.search_users(query="alice@example.com")
        assert [(u.accountId, u.emailAddress) for u in found] == [(alice.account_id, "alice@example.com")]
        assert not hasattr(client.search_users(query="bob@example.com")[0], "emailAddress")
        with pytest.raises(jira.JIRAError, match="GDPR strict mode"):
            client.search_users(user="alice")
    else:
        found = client.search_users(user="alice@example.com")
        assert [(u.name, u.emailAddress) for u in found] == [("alice", "alice@example.com")]


def test_bad_credentials_get_401(emu: JiraEmulator) -> None:
    with pytest.raises(jira.JIRAError) as err:
        if emu.deployment == "Cloud":
            jira.JIRA(server=emu.url, basic_auth=(emu.email, "wrong"), max_retries=0)
        else:
            jira.JIRA(server=emu.url, token_auth="wrong", max_retries=0)
    assert err.value.status_code == 401
    expected = "Client must be authenticated" if emu.deployment == "Cloud" else "You are not authenticated"
    assert expected in err.value.text


def test_v3_speaks_adf_and_server_has_no_v3(emu: JiraEmulator, client: jira.JIRA) -> None:
    adf = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}]}
    body = {"fields": {"project": {"key": "SAFE"}, "issuetype": {"name": "Task"}, "summary": "s", "description": adf}}
    session = client._session
    if emu.deployment == "Server":
        headers = {"Authorization": f"Bearer {emu.pat}"}
        assert requests.post(f"{emu.url}/rest/api/3/issue", json=body, headers=headers).status_code == 404
        return
    created = session.post(f"{emu.url}/rest/api/3/issue", json=body).json()
    assert client.issue(created["key"]).fields.description == "hi"
    as_v3 = session.get(f"{emu.url}/rest/api/3/issue/{created['key']}").json()
    assert as_v3["fields"]["description"] == adf
    body["fields"]["description"] = "plain"
    with pytest.raises(jira.JIRAError, match="Atlassian Document"):
        session.post(f"{emu.url}/rest/api/3/issue", json=body)
