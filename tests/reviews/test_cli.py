"""``vigil review`` writes the file, or explains in one line why it will not; ``vigil review edit|submit|publish``
write a review and take it through the publish gate without Slack."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidents import lifecycle
from incidents.context import Domain
from incidents.reviews import ReviewStatus, get_or_start_review
from tests.helpers import declared_ref
from tests.reviews.scenario import REF
from vigil.cli import main


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)


def test_cli_writes_leadership_html(
    cli_env: None, incident_ref: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "review.html"
    code = main(
        ["--as", "cli:exec", "review", REF.lower(), "--format", "html", "--audience", "leadership", "-o", str(out)]
    )
    assert code == 0
    assert f"Wrote the leadership review of {REF} (html) to {out}." in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Alice Moreau" not in page


def test_cli_refuses_team_version_to_non_member(
    cli_env: None, incident_ref: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--as", "cli:exec", "review", REF, "--format", "md", "--audience", "team", "-o", str(tmp_path / "x")])
    assert code == 1
    assert "only its members can see the team version" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_member_gets_markdown_on_stdout(
    cli_env: None, incident_ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--as", "U0CHEN", "review", REF, "--format", "md"]) == 0
    assert capsys.readouterr().out.startswith(f"# {REF}: Live stream")


def test_cli_rejects_unknown_format(cli_env: None, incident_ref: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", REF, "--format", "pdf"]) == 1
    assert "Unknown review format 'pdf'" in capsys.readouterr().err


PHONE = "+44 20 7946 0958"
EMAIL = "jane.doe@example.org"


def _lines(text: str) -> list[str]:
    return text.strip().splitlines()


def test_cli_writes_submits_and_publishes_a_review_through_the_gate(
    cli_env: None, domain: Domain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = declared_ref(domain)
    as_alice = ["--as", "U_ALICE", "review"]
    summary = f"The reporter asked for a call back on {PHONE}."
    assert main([*as_alice, "edit", ref, "--field", "executive_summary", "--text", summary]) == 0
    (tmp_path / "poorly.txt").write_text(f"- Nobody answered {EMAIL} for a day\n", encoding="utf-8")
    assert main([*as_alice, "edit", ref, "--field", "went_poorly", "--from-file", str(tmp_path / "poorly.txt")]) == 0
    assert _lines(capsys.readouterr().out) == [
        f"Wrote the executive_summary of the review of {ref}.",
        f"Wrote the went_poorly of the review of {ref}.",
    ]

    assert main([*as_alice, "submit", ref, "--not-personal", PHONE]) == 1
    assert _lines(capsys.readouterr().err) == [
        f'went_poorly: email "{EMAIL}" — rewrite it, or mark it with --not-personal "{EMAIL}"',
        f"vigil: The review of {ref} holds 1 thing that looks like personal data (went poorly): rewrite each, or "
        "mark it as not personal data, then submit again.",
    ]
    with domain.unit() as ctx:
        review = get_or_start_review(ctx, ref, actor="U_ALICE")
        assert (review.status, review.not_personal) == (ReviewStatus.DRAFT, []), "nothing written when blocked"

    assert main([*as_alice, "submit", ref]) == 1
    assert _lines(capsys.readouterr().err)[0] == (
        f'executive_summary: phone "{PHONE}" — rewrite it, or mark it with --not-personal "{PHONE}"'
    )
    assert main([*as_alice, "submit", ref, "--not-personal", PHONE, "--not-personal", EMAIL]) == 0
    assert capsys.readouterr().out == (
        f"Submitted the review of {ref} for review; publish it with `vigil review publish {ref}`.\n"
    )

    assert main([*as_alice, "publish", ref]) == 1
    assert _lines(capsys.readouterr().err) == [
        f"vigil: {ref} is still declared; resolve it before publishing its review."
    ]
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    assert main([*as_alice, "publish", ref]) == 0
    assert capsys.readouterr().out == f"Published the review of {ref}.\n"
    with domain.unit() as ctx:
        review = get_or_start_review(ctx, ref, actor="U_ALICE")
        assert review.status is ReviewStatus.PUBLISHED and review.not_personal == [PHONE, EMAIL]


def test_cli_refuses_misplaced_options_and_unknown_marks_in_one_line(
    cli_env: None, domain: Domain, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = declared_ref(domain)
    assert main(["--as", "U_ALICE", "review", "submit", ref, "--format", "md"]) == 1
    assert capsys.readouterr().err == "vigil: --format goes with `vigil review INC-…`.\n"
    assert main(["--as", "U_ALICE", "review", "edit", ref, "--field", "mood", "--text", "x"]) == 1
    assert capsys.readouterr().err.startswith("vigil: Name the field to write with --field, one of: owner,")
    assert main(["--as", "U_ALICE", "review", "submit", ref, "--not-personal", "0958"]) == 1
    assert _lines(capsys.readouterr().err) == [
        f'vigil: "0958" is not among what the personal-data check found in the review of {ref}; mark only its '
        "findings, exactly as they are written."
    ]
