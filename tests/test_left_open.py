"""Resolving never leaves work open silently: the playbook steps, referrals and clocks still open are listed and
confirmed first, and the timeline says what was left. The domain works it out; the terminal lists it."""

from __future__ import annotations

import pytest

from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Severity, Status
from incidents.left_open import WorkLeftOpen
from incidents.queries import incident_to_show
from incidents.referrals import service as referrals
from incidents.tasks import service as tasks
from tests.helpers import declared_ref
from tests.test_cli import Run
from tests.test_cli import vigil as vigil  # the fixture

STEPS = 6
"""A SEV1 threat of violence in the EU: four steps of the threat playbook and two of its EU playbook."""


def _threat_with_a_referral(domain: Domain) -> str:
    ref = declared_ref(domain)  # threat_violence, SEV1, EU: its playbook steps and the DSA Art. 18 clock
    with domain.unit() as ctx:
        referrals.open_referral(ctx, ref, actor="U_ALICE", kind="user_dispute", owner="U_BOB")
    return ref


def test_resolving_with_work_open_is_refused_until_confirmed(domain: Domain) -> None:
    ref = _threat_with_a_referral(domain)
    with pytest.raises(WorkLeftOpen) as refused, domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE", note="host safe", confirmed=False)
    left = refused.value.left
    assert left.summary() == f"{STEPS} playbook steps, 1 referral and 1 clock"
    assert [line.split(" ", 2)[:2] for line in left.lines()][-2:] == [["referral", "#1"], ["clock", "#1"]]
    assert "referral #1 User dispute: requested (U_BOB), due " in refused.value.message
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.status is Status.DECLARED and incident.resolved_at is None

    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE", note="host safe", confirmed=True)
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        entry = incident.timeline[-1]
        assert incident.status is Status.RESOLVED
        assert (
            entry.text == f"Resolved with {STEPS} playbook steps, 1 referral and 1 clock open (was declared): host safe"
        )
        assert entry.data["left_open"]["referrals"] == [1] and len(entry.data["left_open"]["steps"]) == STEPS


def test_nothing_open_resolves_without_asking(domain: Domain) -> None:
    ref = declared_ref(domain, types=["other"], severity=Severity.SEV3, jurisdictions=[])
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE", confirmed=False)
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).timeline[-1].text == "Status declared → resolved"


def test_only_what_is_still_open_is_counted(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        _incident, steps = tasks.list_tasks(ctx, ref)
        tasks.complete_task(ctx, steps[0].id, actor="U_ALICE")
        tasks.skip_task(ctx, steps[1].id, actor="U_ALICE", reason="done by the police")
    with pytest.raises(WorkLeftOpen) as refused, domain.unit() as ctx:
        lifecycle.change_status(ctx, ref, actor="U_ALICE", status=Status.RESOLVED, confirmed=False)
    assert refused.value.left.summary() == f"{STEPS - 2} playbook steps and 1 clock"


def test_the_terminal_lists_what_is_open_and_resolves_with_yes(vigil: Run, domain: Domain) -> None:
    ref = _threat_with_a_referral(domain)
    resolving = [("resolve", ref, "--note", "host safe"), ("status", ref, "resolved")]
    for argv in [*resolving, ("update", ref, "Calm", "--status", "resolved")]:
        code, out, err = vigil(*argv)
        first, *listed = err.splitlines()
        assert (code, out) == (1, ""), err
        assert first == (
            f"vigil: {ref} still has {STEPS} playbook steps, 1 referral and 1 clock open; "
            f"`vigil resolve {ref} --yes` resolves it anyway:"
        )
        assert len(listed) == STEPS + 2 and all(line.startswith("  ") for line in listed), listed
        assert listed[-1].startswith("  clock #1 ") and "Traceback" not in err
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).status is Status.DECLARED

    code, out, _ = vigil("resolve", ref, "--note", "host safe", "--yes")
    assert (code, out) == (0, f"{ref} status declared → resolved. No more updates are due.\n")
    shown = vigil("show", ref)[1]
    assert f"Resolved with {STEPS} playbook steps, 1 referral and 1 clock open (was declared): host safe" in shown


def test_resolve_help_names_yes(vigil: Run) -> None:
    assert "--yes" in vigil("help", "resolve")[1]
