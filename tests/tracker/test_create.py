"""An action becomes one Jira issue carrying everything a person in Jira needs, and a link back."""

from __future__ import annotations

from emulators.jira import JiraEmulator
from emulators.jira.testing import running
from incidents import actions
from incidents.context import Domain
from incidents.enums import SyncState, Tier
from incidents.models import Action
from incidents.outbox import OutboxMessage
from incidents.policy import JiraTarget
from incidents.settings import Settings
from incidents.timesource import ManualTime
from incidents.tracker import TrackerSync, build_sync, tracker_configured
from tests.helpers import declare
from tests.tracker.conftest import DUE, HIGH, Bot, add_action, make_dispatcher, person, settings_for, settle


def action_row(domain: Domain, action_id: int) -> Action:
    with domain.unit() as ctx:
        action = ctx.session.get(Action, action_id)
        assert action is not None
        ctx.session.expunge(action)
        return action


def test_action_becomes_an_issue_with_every_field(
    domain: Domain, emu: JiraEmulator, sync: TrackerSync, dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    bob = emu.add_user("bob@example.org", "Bob Jones")
    person(domain, "U_BOB", "Bob@Example.org", "Bob")
    action_id = add_action(
        domain, incident_ref, owner="U_BOB", due_date=DUE, priority=HIGH, description="Keys leaked in a paste."
    )
    settle(dispatcher, time_source)

    [issue] = emu.issues.values()
    label = f"vigil-action-{incident_ref.lower()}-{action_id}"
    assert issue.project == "SAFE" and issue.issue_type == "Task"
    assert issue.summary == f"[{incident_ref}] Rotate the moderation API keys"
    assert "Credible threat against a host" in issue.description and "Keys leaked in a paste." in issue.description
    assert "https://slack.com/app_redirect?channel=C0INCIDENT" in issue.description
    assert f"https://vigil.example.org/web/incidents/{incident_ref}" in issue.description
    assert sorted(issue.labels) == sorted(["incident", incident_ref.lower(), "sev1", label])
    assert (issue.priority, issue.assignee, issue.duedate) == ("High", bob.account_id, "2026-12-15")
    [link] = issue.remote_links
    assert link.global_id == f"vigil:action:{action_id}"
    assert link.object["url"] == f"https://vigil.example.org/web/incidents/{incident_ref}"
    assert issue.properties["vigil"] == {"actionId": str(action_id), "incident": incident_ref, "install": "vigil"}
    action = action_row(domain, action_id)
    assert (action.tracker_key, action.tracker_url) == (issue.key, f"{emu.url}/browse/{issue.key}")
    assert action.sync_state is SyncState.SYNCED
    creates = [r for r in emu.requests if r.method == "POST" and r.path.endswith("/issue")]
    assert len(creates) == 1


def test_owner_unknown_to_jira_leaves_issue_unassigned(
    domain: Domain, emu: JiraEmulator, dispatcher, time_source: ManualTime, incident_ref: str
) -> None:
    person(domain, "U_ZED", "zed@elsewhere.org", "Zed")
    add_action(domain, incident_ref, owner="U_ZED")
    settle(dispatcher, time_source)
    [issue] = emu.issues.values()
    assert issue.assignee is None


def test_without_jira_actions_stay_in_vigil(domain: Domain, incident_ref: str) -> None:
    settings = Settings(jira_url="https://jira.example.org")
    assert not tracker_configured(settings) and build_sync(domain, settings) is None
    with domain.unit() as ctx:
        action = actions.add_action(ctx, incident_ref, actor="U_ALICE", title="Write the runbook")
        assert action.sync_state is SyncState.LOCAL
        topics = [m.topic for m in ctx.session.query(OutboxMessage)]
    assert "action.changed" not in topics


def test_restricted_incident_sends_only_structured_facts(
    domain: Domain, emu: JiraEmulator, dispatcher, time_source: ManualTime
) -> None:
    with domain.unit() as ctx:
        ref = declare(ctx, title="Minor groomed on the platform", summary="Victim aged 13", tier=Tier.RESTRICTED).ref
    add_action(domain, ref, title="Block the grooming pattern")
    settle(dispatcher, time_source)
    [issue] = emu.issues.values()
    sent = " ".join(
        [issue.summary, issue.description, *issue.labels, *(lk.object["title"] for lk in issue.remote_links)]
    )
    assert ref in sent and "Corrective action" in sent and "grooming" not in sent.lower()
    assert "groomed" not in sent.lower() and "13" not in sent.replace(ref, "")


def test_restricted_incident_full_content_when_configured(
    domain: Domain, emu: JiraEmulator, bot: Bot, time_source: ManualTime
) -> None:
    sync = build_sync(domain, settings_for(emu, jira_restricted_content="full"))
    assert sync is not None
    with domain.unit() as ctx:
        ref = declare(ctx, title="Minor groomed on the platform", tier=Tier.RESTRICTED).ref
    add_action(domain, ref, title="Block the grooming pattern")
    settle(make_dispatcher(domain, sync, bot, time_source), time_source)
    [issue] = emu.issues.values()
    assert "Minor groomed on the platform" in issue.description


def test_policy_routes_an_incident_type_to_its_project(
    domain: Domain, emu: JiraEmulator, bot: Bot, time_source: ManualTime
) -> None:
    emu.add_project(key="THREAT", name="Threats", issue_types=["Bug"])
    policy = domain.policy.model_copy(
        update={"jira": {"threat_violence": JiraTarget(project="THREAT", issue_type="Bug")}}
    )
    routed = Domain(domain.engine, domain.factory, policy, time_source)
    sync = build_sync(routed, settings_for(emu))
    assert sync is not None
    with routed.unit() as ctx:
        ref = declare(ctx).ref
    add_action(routed, ref)
    settle(make_dispatcher(routed, sync, bot, time_source), time_source)
    [issue] = emu.issues.values()
    assert (issue.project, issue.issue_type) == ("THREAT", "Bug")


def test_server_data_center_with_a_personal_access_token(domain: Domain, bot: Bot, time_source: ManualTime) -> None:
    with running("Server") as server:
        carol = server.add_user("carol@example.org", "Carol Diaz", name="carol")
        person(domain, "U_CAROL", "carol@example.org", "Carol")
        sync = build_sync(domain, settings_for(server))
        assert sync is not None
        with domain.unit() as ctx:
            ref = declare(ctx).ref
        action_id = add_action(domain, ref, owner="U_CAROL", due_date=DUE)
        settle(make_dispatcher(domain, sync, bot, time_source), time_source)
        [issue] = server.issues.values()
        assert issue.assignee == carol.account_id and issue.duedate == "2026-12-15"
        assert action_row(domain, action_id).tracker_key == issue.key
