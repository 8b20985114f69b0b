"""Playbooks in the policy pack, and their steps as tasks: added on declare and on changes, done or skipped."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Severity, Tier, TimelineKind
from incidents.errors import ConfigError, NotFound, VigilError
from incidents.policy import load_policy
from incidents.queries import incident_to_show
from incidents.tasks import service as tasks
from incidents.tasks.models import TaskStatus
from incidents.timesource import ManualTime
from tests.conftest import START
from tests.helpers import declared_ref
from tests.test_cli import Run, one_line
from tests.test_cli import vigil as vigil  # the fixture

STEP = "{key: s1, text: Do it, owner_role: legal, due: 1h}"
PLAYBOOK = (
    "playbooks:\n  p:\n    type: {type}\n    source: 'https://x'\n    last_verified: 2026-12-03\n    steps: [{steps}]\n"
)


def _policy_file(tmp_path: Path, *, type_: str = "child_safety", steps: str = STEP) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(PLAYBOOK.format(type=type_, steps=steps))
    return path


@pytest.mark.parametrize(
    ("type_", "steps", "words"),
    [
        ("wizardry", STEP, "playbooks.p.type: unknown incident type 'wizardry'"),
        ("child_safety", STEP.replace("legal", "wizard"), "playbooks.p.steps.s1.owner_role: unknown role 'wizard'"),
        ("child_safety", STEP.replace("1h", "soon"), "playbooks.p.steps.0.due"),
        ("child_safety", f"{STEP}, {STEP}", "playbooks.p: Value error, steps.s1.key: used twice"),
        (
            "child_safety",
            STEP.replace("1h}", "1h, after: s2}"),
            "playbooks.p: Value error, steps.s1.after: 's2' is not an earlier step",
        ),
        ("child_safety", "", "playbooks.p.steps"),
    ],
)
def test_invalid_playbooks_name_the_file_the_playbook_and_the_field(
    tmp_path: Path, type_: str, steps: str, words: str
) -> None:
    path = _policy_file(tmp_path, type_=type_, steps=steps)
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert str(path) in refused.value.message and words in refused.value.message
    assert "\n" not in refused.value.message


def test_every_shipped_playbook_cites_its_source_and_each_listed_type_has_one() -> None:
    policy = load_policy()
    covered = {p.type for p in policy.playbooks.values()}
    wanted = {
        "child_safety",
        "threat_violence",
        "suicide_self_harm",
        "ncii_sextortion",
        "human_trafficking",
        "data_breach",
        "law_enforcement_request",
        "regulatory_request",
        "platform_outage",
    }
    assert wanted <= covered
    assert all(p.source.startswith("https://") and p.last_verified.year >= 2026 for p in policy.playbooks.values())


def test_declaring_adds_the_matching_playbooks_steps_in_order(domain: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(domain, types=["child_safety"], jurisdictions=["US"])
    with domain.unit() as ctx:
        _incident, listed = tasks.list_tasks(ctx, ref)
        steps = domain.policy.playbooks["child_safety"].steps
        assert [t.step_key for t in listed] == [s.key for s in steps]
        assert {t.playbook for t in listed} == {"child_safety"}
        first = listed[0]
        assert (first.owner_role, first.due_at, first.status) == ("commander", START + timedelta(minutes=30), "open")
        hold = next(t for t in listed if t.step_key == "hold_one_year")
        assert hold.due_at == START + timedelta(hours=25)  # an hour after the report is due
        entries = [e for e in incident_to_show(ctx, ref).timeline if e.kind is TimelineKind.TASK]
        assert [(e.text, e.source_url) for e in entries] == [
            (f"Playbook child_safety: {len(steps)} steps added.", "https://www.law.cornell.edu/uscode/text/18/2258A")
        ]
        assert str(tasks.progress(listed, time_source.now())) == f"0/{len(steps)} steps"


def test_overlapping_rules_and_changes_never_add_a_step_twice(domain: Domain) -> None:
    base = domain.policy
    sev1_only = base.playbooks["platform_outage"].model_copy(update={"severities": [Severity.SEV1]})
    restricted = base.playbooks["platform_outage"].model_copy(update={"tiers": [Tier.RESTRICTED]})
    policy = base.model_copy(
        update={"playbooks": {"outage": base.playbooks["platform_outage"], "sev1": sev1_only, "restricted": restricted}}
    )
    domain = replace(domain, policy=policy)
    ref = declared_ref(domain, types=["platform_outage"], severity=Severity.SEV3, jurisdictions=[])
    with domain.unit() as ctx:
        assert {t.playbook for t in tasks.list_tasks(ctx, ref)[1]} == {"outage"}
        lifecycle.change_severity(ctx, ref, actor="U_BOB", severity=Severity.SEV1, reason="spreading")
        lifecycle.change_severity(ctx, ref, actor="U_BOB", severity=Severity.SEV2, reason="contained")
        lifecycle.change_severity(ctx, ref, actor="U_BOB", severity=Severity.SEV1, reason="again")
        lifecycle.change_tier(ctx, ref, actor="U_BOB", tier=Tier.RESTRICTED, reason="staff involved")
    with domain.unit() as ctx:
        listed = tasks.list_tasks(ctx, ref)[1]
        keys = [(t.playbook, t.step_key) for t in listed]
        assert len(keys) == len(set(keys)) == 3 * len(base.playbooks["platform_outage"].steps)
        added = [e for e in incident_to_show(ctx, ref).timeline if e.text.startswith("Playbook ")]
        assert [(e.author, e.text.split(":")[0]) for e in added] == [
            ("U_ALICE", "Playbook outage"),
            ("U_BOB", "Playbook sev1"),
            ("U_BOB", "Playbook restricted"),
        ]


def test_jurisdictions_narrow_playbooks_as_they_narrow_clocks(domain: Domain) -> None:
    us = declared_ref(domain, jurisdictions=["US"])
    eu = declared_ref(domain, jurisdictions=["EU"])
    unknown = declared_ref(domain, jurisdictions=[])
    with domain.unit() as ctx:
        playbooks = {ref: {t.playbook for t in tasks.list_tasks(ctx, ref)[1]} for ref in (us, eu, unknown)}
    assert playbooks[us] == {"threat_violence"}
    assert playbooks[eu] == playbooks[unknown] == {"threat_violence", "threat_violence_eu"}


def test_done_and_skipped_steps_are_on_the_timeline_with_who_and_when(domain: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(domain, types=["child_safety"], jurisdictions=["US"])
    with domain.unit() as ctx:
        by_key = {t.step_key: t.id for t in tasks.list_tasks(ctx, ref)[1]}
    time_source.advance(timedelta(hours=2))
    with domain.unit() as ctx:
        done = tasks.complete_task(ctx, by_key["report_ncmec"], actor="U_LEGAL")
        assert (done.status, done.finished_by, done.finished_at) == (TaskStatus.DONE, "U_LEGAL", time_source.now())
    with domain.unit() as ctx:
        with pytest.raises(VigilError, match="A reason to skip the step is required"):
            tasks.skip_task(ctx, by_key["responder_care"], actor="U_BOB", reason="  ")
        tasks.skip_task(ctx, by_key["responder_care"], actor="U_BOB", reason="No one viewed the images")
    with domain.unit() as ctx, pytest.raises(VigilError, match="is already done"):
        tasks.complete_task(ctx, by_key["report_ncmec"], actor="U_LEGAL")
    with domain.unit() as ctx:
        listed = {t.step_key: t for t in tasks.list_tasks(ctx, ref)[1]}
        # the hold counts from the report being filed, not from when it was due
        assert listed["hold_one_year"].due_at == time_source.now() + timedelta(hours=1)
        assert listed["responder_care"].skip_reason == "No one viewed the images"
        entries = [(e.author, e.at, e.text) for e in incident_to_show(ctx, ref).timeline if e.kind is TimelineKind.TASK]
        assert entries[-2:] == [
            ("U_LEGAL", time_source.now(), f"Step done: {listed['report_ncmec'].text}"),
            (
                "U_BOB",
                time_source.now(),
                f"Step skipped: {listed['responder_care'].text}. Reason: No one viewed the images",
            ),
        ]
        # 30 min and 1 h steps are past due at +2 h
        assert str(tasks.progress(listed.values(), time_source.now())) == f"2/{len(listed)} steps, 3 late"


def test_a_late_step_says_so_and_a_task_id_does_not_reach_another_incident(
    domain: Domain, time_source: ManualTime
) -> None:
    ref = declared_ref(domain, types=["platform_outage"], jurisdictions=[])
    other = declared_ref(domain, types=["platform_outage"], jurisdictions=[])
    with domain.unit() as ctx:
        first = tasks.list_tasks(ctx, ref)[1][0]
    time_source.advance(timedelta(hours=1))
    with domain.unit() as ctx:
        with pytest.raises(NotFound, match=f"No task #{first.id} on {other}"):
            tasks.complete_task(ctx, first.id, actor="U_A", ref=other)
        with pytest.raises(NotFound, match="No task #999999"):
            tasks.complete_task(ctx, 999999, actor="U_A")
        tasks.complete_task(ctx, first.id, actor="U_A", ref=ref.lower())
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).timeline[-1].text.startswith("Step done (late): ")


def test_the_terminal_lists_completes_and_skips_steps(
    vigil: Run,
    domain: Domain,
) -> None:
    ref = declared_ref(domain, types=["platform_outage"], jurisdictions=[])
    code, out, _ = vigil("tasks", ref)
    assert code == 0 and out.startswith(f"{ref}: 0/4 steps, 4 late\n#")  # the terminal's clock is real
    first, second = (int(line.split()[0][1:]) for line in out.splitlines()[1:3])
    assert "[platform_outage] Assign the roles: commander, scribe, comms (commander; due " in out
    assert vigil("--as", "U_ALICE", "task", "done", str(first))[1].startswith(f"Step #{first} of {ref} done: ")
    assert vigil("--as", "U_ALICE", "task", "skip", str(second), "--reason", "Dashboards were fine")[0] == 0
    code, _, err = vigil("--as", "U_ALICE", "task", "done", str(first))
    assert code != 0 and one_line(err) and "is already done" in err
    out = vigil("tasks", ref)[1]
    assert out.startswith(f"{ref}: 2/4 steps") and "skipped: Dashboards were fine" in out
