"""The CLI runs a whole incident without Slack, against the same database the tests' domain sees."""

import pytest

from incidents import lifecycle, timeline
from incidents.context import Domain
from incidents.enums import Severity, Status
from incidents.queries import get_incident
from vigil.cli import main


@pytest.fixture
def vigil(domain: Domain, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_a_whole_incident_from_the_terminal(vigil, domain: Domain) -> None:
    code, out, _ = vigil(
        "--as",
        "U_ALICE",
        "declare",
        "Harassment wave against a creator",
        "--type",
        "hate_harassment",
        "--severity",
        "SEV2",
        "--region",
        "emea",
        "--jurisdiction",
        "EU",
    )
    assert code == 0 and out.startswith("Declared INC-")
    ref = out.split()[1].rstrip(":")
    steps = [
        ("ack", ref),
        ("role", ref, "scribe", "U_BOB"),
        ("severity", ref, "SEV1", "--reason", "doxxing began"),
        ("note", ref, "Mass reporting from new accounts", "--sensitive"),
        ("update", ref, "Rate limits applied", "--status", "mitigated", "--next-in", "30"),
        ("action", "add", ref, "Detect brigading earlier", "--owner", "U_BOB", "--due", "2099-01-31"),
        ("clock", "start", ref, "gdpr_art33"),
        ("clock", "satisfy", ref, "--regime", "gdpr_art33", "--reference", "DPC-2026-1"),
        ("handoff", ref, "U_CAROL"),
        ("--as", "U_CAROL", "accept-handoff", "1"),
        ("resolve", ref),
        ("close", ref),
    ]
    for step in steps:
        code, out, err = vigil(*(("--as", "U_ALICE", *step) if step[0] != "--as" else step))
        assert code == 0, (step, err)
    code, out, _ = vigil("show", ref)
    assert "commander      U_CAROL" in out
    assert "gdpr_art33" in out and "met" in out
    assert "Detect brigading earlier" in out
    assert "[CW] Mass reporting" in out
    code, out, _ = vigil("list", "--all")
    assert ref in out
    with domain.unit() as ctx:
        assert get_incident(ctx, ref).status is Status.CLOSED


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("show", "INC-2026-9999"), "No incident 'INC-2026-9999'"),
        (("declare", "x", "--type", "nope", "--severity", "SEV1"), "Unknown incident type"),
        (("declare", "Call 555 010 9999", "--type", "other", "--severity", "SEV1"), "phone number"),
        (("declare", "x", "--type", "other", "--severity", "SEV7"), "Unknown severity"),
    ],
)
def test_errors_are_one_line_and_non_zero(vigil, argv, words: str) -> None:
    code, _, err = vigil(*argv)
    assert code == 1
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_time_is_an_argument_error(vigil) -> None:
    with pytest.raises(SystemExit) as exited:
        vigil("declare", "x", "--type", "other", "--severity", "SEV1", "--detected-at", "yesterday")
    assert exited.value.code == 2


def test_bad_configuration_is_one_line(vigil, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", "oracle://nope")
    code, _, err = vigil("list")
    assert code == 1 and "invalid configuration: database_url" in err


def test_parties_from_the_terminal_for_members_only(vigil, domain: Domain) -> None:
    code, out, _ = vigil("--as", "U_ALICE", "declare", "Doxxing of a streamer", "--type", "other", "--severity", "SEV2")
    ref = out.split()[1].rstrip(":")
    assert vigil("--as", "U_ALICE", "note", ref, "Jane Doe called; her handle is @jdoe_99")[0] == 0
    code, out, err = vigil(
        "--as", "U_ALICE", "parties", "add", ref, "--role", "reporter", "--name", "Jane Doe", "--handle", "jdoe_99"
    )
    assert (code, out, err) == (0, f"Added party 1 (Reporter) to {ref}.\n", "")
    code, out, _ = vigil("--as", "U_ALICE", "parties", "list", ref)
    assert out == "1. Reporter: Jane Doe, @jdoe_99\n"
    code, _, err = vigil("--as", "U_MALLORY", "parties", "list", ref)
    assert code == 1 and f"Only members of {ref}" in err and err.count("\n") == 1
    code, out, _ = vigil("--as", "U_ALICE", "parties", "erase", ref, "reporter")
    assert out == f"Erased Reporter from {ref}: 2 replacements.\n"
    code, out, _ = vigil("show", ref)
    assert "Reporter called; her handle is Reporter" in out and "Jane" not in out
    code, _, err = vigil("--as", "U_ALICE", "parties", "add", ref, "--role", "victim", "--name", "X Y")
    assert code == 1 and "Unknown role 'victim'" in err


HOSTILE_TITLE = (
    "Spam \x1b[2J\x1b[1;1Hwave \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \u202eedoc\u202c\x9b31m"
)


def test_stored_text_cannot_drive_the_terminal(vigil, domain: Domain) -> None:
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx, actor="U_ALICE", title=HOSTILE_TITLE, types=["fraud_scam"], severity=Severity.SEV3,
            summary="Line one\nline two \x1b]0;pwned\x07\x07",
        ).ref  # fmt: skip
        timeline.add_note(ctx, ref, actor="U_ALICE", text="note\r\x1b[Aoverwritten \x08\x7f\u2066hidden\u2069")
    outputs = [vigil("list", "--all")[1], vigil("show", ref)[1], vigil("show", "INC-\x1b[2J\u202e1")[2]]
    for out in outputs:
        assert not any(c in out for c in "\x1b\x07\x08\x7f\x9b\r\u202e\u202c\u2066\u2069"), repr(out)
    listing, detail, error = outputs
    assert listing.count("\n") == 1 and "Spam wave click edoc" in listing
    assert "summary: Line one\nline two" in detail and "note[Aoverwritten hidden" not in detail
    assert "noteoverwritten hidden" in detail
    assert error.startswith("vigil: ") and error.count("\n") == 1
