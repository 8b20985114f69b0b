"""Cross-check: one client sequence against our emulator and against jira820 (an independent DC 8.20 mock).

Only behaviour both agree on is asserted here; where jira820 is more permissive than real Jira (it accepts
unknown priorities, spaced labels and bad dates, ignores unknown JQL fields and label ``update`` ops, and
allows any-to-any transitions; for a missing summary it says "summary is required" where Jira says "You must
specify a summary of the issue.") our emulator follows Jira instead — those cases live in the other tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jira
import pytest

from emulators.jira.testing import client_for, running, running_jira820


@pytest.fixture(scope="module")
def jira820_url() -> Iterator[str]:
    with running_jira820() as url:
        yield url


def move_to_done(client: jira.JIRA, key: str) -> None:
    """Walk the workflow toward the done category, whatever the site's status names are."""
    for _ in range(5):
        options = client.transitions(key)
        by_category = {t["to"]["statusCategory"]["key"]: t for t in options}
        step = by_category.get("done") or by_category.get("indeterminate")
        assert step is not None, options
        client.transition_issue(key, step["id"])
        if step is by_category.get("done"):
            return
    pytest.fail("no path to done")


def run_sequence(client: jira.JIRA) -> dict[str, Any]:
    """Create, edit, transition, link and search; return what both implementations should agree on."""
    issue = client.create_issue(
        fields={
            "project": {"key": "SAFE"},
            "issuetype": {"name": "Task"},
            "summary": "Rotate keys",
            "labels": ["vigil-x820"],
            "priority": {"name": "High"},
            "duedate": "2026-02-01",
        }
    )
    issue.update(fields={"summary": "Rotate all keys"})
    move_to_done(client, issue.key)
    first = client.add_remote_link(issue.key, {"url": "https://vigil/inc/7", "title": "INC-7"}, globalId="vigil:7")
    again = client.add_remote_link(issue.key, {"url": "https://vigil/inc/7", "title": "INC-7b"}, globalId="vigil:7")
    with pytest.raises(jira.JIRAError) as missing_summary:
        client.create_issue(fields={"project": {"key": "SAFE"}, "issuetype": {"name": "Task"}})
    done = client.issue(issue.key)
    found = client.search_issues('project = SAFE AND labels = "vigil-x820"')
    return {
        "key_prefix": issue.key.split("-")[0],
        "summary": done.fields.summary,
        "labels": done.fields.labels,
        "priority": done.fields.priority.name,
        "duedate": done.fields.duedate,
        "category": done.fields.status.statusCategory.key,
        "link_upserted": (first.id == again.id, len(client.remote_links(issue.key))),
        "missing_summary": (
            missing_summary.value.status_code,
            "summary" in missing_summary.value.response.json()["errors"],
        ),
        "search": [i.key for i in found] == [issue.key],
        "deployment": client.deploymentType,
    }


@pytest.mark.filterwarnings("ignore:Unable to gather applicationlinks")
def test_same_sequence_same_outcome(jira820_url: str) -> None:
    reference = run_sequence(jira.JIRA(server=jira820_url, token_auth="any", max_retries=0))
    with running("Server") as emu:
        ours = run_sequence(client_for(emu))
    assert ours == reference
    assert reference["category"] == "done" and reference["search"]
