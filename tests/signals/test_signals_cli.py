"""``vigil signals`` and ``vigil signal``: the triage queue from a terminal, with the mistakes people make."""

from __future__ import annotations

import re

import pytest

from incidents.context import Domain
from incidents.enums import Severity
from incidents.lifecycle import declare
from incidents.signals.intake import Report, receive
from tests.test_cli import Run, one_line


def reports(domain: Domain, subject: str, n: int, source: str = "hotline") -> None:
    batch = [
        Report(source=source, type="hate_harassment", subject=subject, region="EMEA", external_ref=f"{subject}-{i}",
               text="Reporter Dana Whitfield, dana@example.org")
        for i in range(n)
    ]  # fmt: skip
    domain.run(lambda ctx: receive(ctx, batch, actor="api:hotline"))


def test_the_queue_and_each_decision(vigil: Run, domain: Domain) -> None:
    assert vigil("signals")[1] == "No signals wait for triage.\n"
    reports(domain, "creator-1", 3)
    reports(domain, "creator-1", 2, source="in_app")
    reports(domain, "creator-2", 1)
    reports(domain, "creator-3", 1)
    code, out, _ = vigil("signals")
    assert code == 0
    assert re.search(r"#1 Hate or harassment · EMEA: 5 signals \(hotline 3, in_app 2\); first .+ UTC, 5\.0/min", out)
    assert "#2 Hate or harassment · EMEA: 1 signal (hotline 1)" in out
    assert "dana" not in out.casefold() and "creator" not in out, "what the reports say stays with the members"
    with domain.unit() as ctx:
        ref = declare(ctx, actor="U_ALICE", title="Pile-on", types=["hate_harassment"], severity=Severity.SEV3).ref
    code, out, err = vigil("--as", "U_ALICE", "signal", "declare", "1", "--severity", "SEV2")
    assert not err, err
    assert code == 0 and re.fullmatch(r"Declared INC-\d{4}-\d{4} \(SEV2, standard\) from 5 signals\.\n", out)
    code, out, _ = vigil("--as", "U_ALICE", "signal", "attach", "2", ref)
    assert out == f"Signal group 2 is now part of {ref}: its signals go on the timeline.\n"
    code, out, _ = vigil("--as", "U_ALICE", "signal", "dismiss", "3", "--reason", "Test call from QA")
    assert code == 0 and out.startswith("Signal group 3 dismissed")
    assert vigil("signals")[1] == "No signals wait for triage.\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("signal", "dismiss", "1"), 'Say why: `vigil signal dismiss 1 --reason "..."`.'),
        (("signal", "attach", "1"), "Say which incident: `vigil signal attach 1 INC-2026-0001`."),
        (("signal", "declare", "1", "INC-2026-0001"), "did you mean `vigil signal attach 1 INC-2026-0001`?"),
        (("signal", "declare", "9"), "No signal group 9; `vigil signals` lists those waiting."),
        (("signal", "declare", "1", "--severity", "SEV9"), "Unknown severity 'SEV9'"),
        (("signal", "escalate", "1"), "invalid choice: 'escalate'"),
    ],
)
def test_mistakes_are_one_line(vigil: Run, domain: Domain, argv: tuple[str, ...], message: str) -> None:
    reports(domain, "creator-1", 1)
    code, _out, err = vigil("--as", "U_ALICE", *argv)
    assert code != 0 and one_line(err) and message in err, err
