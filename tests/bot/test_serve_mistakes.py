"""Every configuration or credential mistake stops the real `vigil serve` process with exit status 2 and one line
on standard error that says what to fix, before it takes a request (only a token Slack refuses comes after the
start's own INFO lines): never a traceback, never a half-configured bot. And a start that works says which
database it serves, without its password."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from emulators.slack import SlackEmulator
from incidents import migrate
from tests.bot.test_tryout import VIGIL

pytestmark = pytest.mark.slow

STARTING = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO ")
"""What a start logs before Slack refuses the app-level token (it is checked once the bot is built); no warning or
error line may come with the refusal."""


def _workspace(emu: SlackEmulator, tmp_path: Path) -> dict[str, str]:
    """What a correct Socket Mode start needs: the emulator's tokens and a database at the newest schema."""
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    migrate.upgrade(url)
    return {
        "SLACK_API_URL": emu.web_api_url,
        "SLACK_BOT_TOKEN": emu.bot_token,
        "SLACK_APP_TOKEN": emu.app_token,
        "VIGIL_DATABASE_URL": url,
    }


def _environment(changes: dict[str, str]) -> dict[str, str]:
    """This test process's environment without any of Vigil's or Slack's settings, then ``changes``."""
    kept = {k: v for k, v in os.environ.items() if not k.upper().startswith(("VIGIL_", "SLACK_", "JIRA_"))}
    return {**kept, **changes}


def _config_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "vigil.toml"
    path.write_text(text)
    return str(path)


MISTAKES: dict[str, tuple[Callable[[SlackEmulator, Path], dict[str, str]], list[str], str]] = {
    "a misspelt variable": (
        lambda emu, tmp: {"VIGIL_DATABSE_URL": f"sqlite:///{tmp / 'other.db'}"},
        [],
        "vigil serve: VIGIL_DATABSE_URL is not a setting (did you mean VIGIL_DATABASE_URL?)",
    ),
    "a Slack variable with Vigil's prefix": (
        lambda emu, tmp: {"VIGIL_SLACK_SIGNING_SECRET": "x"},
        [],
        "VIGIL_SLACK_SIGNING_SECRET is not a setting (did you mean SLACK_SIGNING_SECRET?)",
    ),
    "a misspelt key in the config file": (
        lambda emu, tmp: {"VIGIL_CONFIG_FILE": _config_file(tmp, 'chanel_prefix = "case"\n')},
        [],
        "vigil.toml is not a setting (did you mean channel_prefix?)",
    ),
    "a config file that is not TOML": (
        lambda emu, tmp: {"VIGIL_CONFIG_FILE": _config_file(tmp, "channel_prefix = \n")},
        [],
        "vigil.toml is not valid TOML (Invalid value (at line 1, column 18))",
    ),
    "a JSON setting that is not JSON": (
        lambda emu, tmp: {"VIGIL_WEB_LEADERSHIP": "maya@example.org, sam@example.org"},
        [],
        "vigil serve: invalid configuration: VIGIL_WEB_LEADERSHIP: not valid JSON",
    ),
    "a database URL of another kind": (
        lambda emu, tmp: {"VIGIL_DATABASE_URL": "mysql://vigil@db/vigil"},
        [],
        "VIGIL_DATABASE_URL: use sqlite:///path/to/vigil.db or postgresql://",
    ),
    "a user token as the bot token": (
        lambda emu, tmp: {"SLACK_BOT_TOKEN": "xoxp-1234-5678-abcdef"},
        [],
        "vigil serve: SLACK_BOT_TOKEN holds a user token, which Vigil never uses; SLACK_BOT_TOKEN takes the app's "
        "Bot User OAuth Token (xoxb-…, under OAuth & Permissions).",
    ),
    "the app-level token as the bot token": (
        lambda emu, tmp: {"SLACK_BOT_TOKEN": emu.app_token},
        [],
        "vigil serve: SLACK_BOT_TOKEN holds an app-level token, which belongs in SLACK_APP_TOKEN; SLACK_BOT_TOKEN "
        "takes the app's Bot User OAuth Token",
    ),
    "the bot token as the app-level token": (
        lambda emu, tmp: {"SLACK_APP_TOKEN": emu.bot_token},
        [],
        "vigil serve: SLACK_APP_TOKEN holds a bot token, which belongs in SLACK_BOT_TOKEN; SLACK_APP_TOKEN takes an "
        "app-level token with connections:write (xapp-…, under Basic Information → App-Level Tokens).",
    ),
    "a token as the signing secret": (
        lambda emu, tmp: {"SLACK_SIGNING_SECRET": emu.bot_token},
        ["--http"],
        "vigil serve: SLACK_SIGNING_SECRET holds a bot token, which belongs in SLACK_BOT_TOKEN; SLACK_SIGNING_SECRET "
        "takes the app's Signing Secret",
    ),
    "something else as the bot token": (
        lambda emu, tmp: {"SLACK_BOT_TOKEN": "1234567890abcdef"},
        [],
        "vigil serve: SLACK_BOT_TOKEN does not look like a Slack token: it takes the app's Bot User OAuth Token",
    ),
    "a bogus bot token": (
        lambda emu, tmp: {"SLACK_BOT_TOKEN": "xoxb-0000-0000-bogus"},
        [],
        "vigil serve: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the app's Bot User OAuth Token",
    ),
    "a bogus app-level token": (
        lambda emu, tmp: {"SLACK_APP_TOKEN": "xapp-1-A000-0000-bogus"},
        [],
        "vigil serve: Slack refused SLACK_APP_TOKEN (invalid_auth): copy an app-level token with connections:write "
        "(xapp-…, under Basic Information → App-Level Tokens) again and export it as SLACK_APP_TOKEN.",
    ),
    "no app-level token": (
        lambda emu, tmp: {"SLACK_APP_TOKEN": ""},
        [],
        "vigil serve: SLACK_APP_TOKEN is not set; create the Slack app from slack-app-manifest.yaml",
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_mistake_is_one_line_and_exit_status_2(emu: SlackEmulator, tmp_path: Path, mistake: str) -> None:
    change, argv, said = MISTAKES[mistake]
    environment = _environment({**_workspace(emu, tmp_path), **change(emu, tmp_path)})
    done = subprocess.run(
        [str(VIGIL), "serve", *argv],
        env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    problem = [line for line in done.stderr.splitlines() if not STARTING.match(line)]
    assert len(problem) == 1 and said in problem[0], done.stderr
    assert "Traceback" not in done.stderr and emu.socket_connections == 0


def test_other_commands_warn_of_an_unknown_setting_and_go_on(tmp_path: Path) -> None:
    environment = _environment({"VIGIL_DATABSE_URL": "sqlite:///elsewhere.db"})
    done = subprocess.run(
        [str(VIGIL), "db", "upgrade"], env=environment, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith(f"Created the database {tmp_path / 'vigil.db'}")
    assert done.stderr.splitlines() == [
        "vigil: VIGIL_DATABSE_URL is not a setting (did you mean VIGIL_DATABASE_URL?); ignored.",
        f"vigil: using the default database {tmp_path / 'vigil.db'} (set VIGIL_DATABASE_URL to choose)",
    ]


def test_a_start_logs_its_database_without_the_password(emu: SlackEmulator, tmp_path: Path, db_url: str) -> None:
    """On SQLite with nothing set it is the default file, and the log says how to choose another; on PostgreSQL the
    URL is logged with its password hidden."""
    workspace = _workspace(emu, tmp_path)
    if db_url.startswith("sqlite"):
        del workspace["VIGIL_DATABASE_URL"]
        expected = f"using the default database {tmp_path / 'vigil.db'} (set VIGIL_DATABASE_URL to choose)"
    else:
        workspace["VIGIL_DATABASE_URL"] = db_url.replace("://postgres@", "://postgres:s3cret-pw@", 1)
        assert "s3cret-pw" in workspace["VIGIL_DATABASE_URL"]
        expected = f"using the database {db_url.replace('://postgres@', '://postgres:***@', 1)}"
    stderr = tmp_path / "stderr"
    with stderr.open("w") as errors:
        process = subprocess.Popen(
            [str(VIGIL), "serve"], env=_environment(workspace), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=errors
        )
    try:
        emu.wait_for(lambda: process.poll() is not None or emu.socket_connections > 0, timeout=90)
        assert process.poll() is None, stderr.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    logged = stderr.read_text()
    assert expected in logged and "s3cret-pw" not in logged, logged
