"""``vigil review`` writes the file, or explains in one line why it will not."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidents.cli import main
from tests.reviews.scenario import REF


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
