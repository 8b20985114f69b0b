"""`vigil serve` refuses to start with one readable line, never a stack trace, when it cannot run."""

from __future__ import annotations

import pytest

from emulators.slack import SlackEmulator
from vigil.cli import main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, domain, emu: SlackEmulator) -> SlackEmulator:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_API_URL", emu.web_api_url)
    return emu


def _serve(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["serve", *argv])
    return code, capsys.readouterr().err


def test_missing_tokens_name_the_variable_and_the_manifest(env, capsys) -> None:
    code, err = _serve(capsys)
    assert code == 2 and "SLACK_BOT_TOKEN is not set" in err and "slack-app-manifest.yaml" in err
    assert "Traceback" not in err


def test_http_mode_needs_the_signing_secret(env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", env.bot_token)
    code, err = _serve(capsys, "--http")
    assert code == 2 and "SLACK_SIGNING_SECRET is not set" in err


def test_a_bad_token_or_slack_down_is_one_line(env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-a-real-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", env.app_token)
    code, err = _serve(capsys)
    assert code == 2 and "invalid_auth" in err and "Traceback" not in err
    monkeypatch.setenv("SLACK_BOT_TOKEN", env.bot_token)
    env.go_down()
    code, err = _serve(capsys)
    assert code == 2 and "did not answer" in err and "Traceback" not in err


def test_a_broken_review_template_is_one_line_naming_it(env, capsys, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / "review.md.j2").write_text("# {{ review.ref }\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN", env.bot_token)
    monkeypatch.setenv("SLACK_APP_TOKEN", env.app_token)
    monkeypatch.setenv("VIGIL_TEMPLATES_DIR", str(tmp_path))
    code, err = _serve(capsys)
    assert code != 0 and "review.md.j2" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
