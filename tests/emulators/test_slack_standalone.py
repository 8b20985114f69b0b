"""`python -m emulators.slack` as the README describes it: the workspace `vigil try` has (the README's people and
channels), and `export` lines that, pasted into a shell, are all `vigil serve --http` needs to run against it: a
slash command typed in its console then declares an incident whose channel the emulator opens."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from incidents import migrate
from incidents.settings import ENVIRONMENT_VARIABLES, unknown_settings
from tests.bot.test_tryout import VIGIL, free_port

pytestmark = pytest.mark.slow
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.fixture
def emulator() -> Iterator[tuple[str, str]]:
    """The standalone emulator, delivering to a bot on another free port: (what it printed, the bot's address)."""
    bot = f"http://127.0.0.1:{free_port()}"
    argv = [sys.executable, "-m", "emulators.slack", "--port", str(free_port()), "--http-target", f"{bot}/slack/events"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    printed = ""
    assert process.stdout is not None
    while "# Ctrl-C stops the emulator." not in printed:
        line = process.stdout.readline()
        assert line, f"the emulator stopped:\n{printed}"
        printed += line
    try:
        yield printed, bot
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def _exported(printed: str) -> dict[str, str]:
    words = [shlex.split(line)[1] for line in printed.splitlines() if line.startswith("export ")]
    return dict(word.split("=", 1) for word in words)


def test_the_emulator_has_the_readmes_workspace_and_prints_what_a_bot_needs(
    emulator: tuple[str, str], tmp_path: Path
) -> None:
    printed, bot = emulator
    settings = _exported(printed)
    assert set(settings) <= ENVIRONMENT_VARIABLES and unknown_settings(settings) is None
    assert settings["VIGIL_WEB_BASE_URL"] == bot

    described = re.search(
        r"a workspace with (\w+), (\w+) and (\w+) and the channels\s+#(\w+), #(\w+) and #(\w+)", README
    )
    assert described, "the README no longer describes the workspace"
    people, channels = described.groups()[:3], described.groups()[3:]
    api = settings["SLACK_API_URL"]
    auth = {"Authorization": f"Bearer {settings['SLACK_BOT_TOKEN']}"}
    members = httpx.post(f"{api}users.list", headers=auth, timeout=10).json()["members"]
    assert {m["name"] for m in members if not m.get("is_bot")} == set(people)
    listed = httpx.post(f"{api}conversations.list", headers=auth, timeout=10).json()["channels"]
    assert {c["name"] for c in listed} == set(channels)

    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    migrate.upgrade(url)
    kept = {k: v for k, v in os.environ.items() if not k.upper().startswith(("VIGIL_", "SLACK_", "JIRA_"))}
    env = {**kept, **settings, "VIGIL_DATABASE_URL": url}
    port = bot.rsplit(":", 1)[1]
    serve = subprocess.Popen(
        [str(VIGIL), "serve", "--http", "--host", "127.0.0.1", "--port", port],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait(lambda: _answers(f"{bot}/healthz"), serve)
        console = api.removesuffix("api/") + "console/command"
        typed = {"user": people[0], "channel": channels[0], "text": "/incident declare SEV2 Scam wave targeting hosts"}
        assert httpx.post(console, data=typed, timeout=30).json()["ok"]
        _wait(lambda: any(c["name"].startswith("inc-") for c in _channels(api, auth)), serve)
    finally:
        serve.send_signal(signal.SIGTERM)
        _out, err = serve.communicate(timeout=60)
    assert serve.returncode == 0 and "Traceback" not in err, err


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _channels(api: str, auth: dict[str, str]) -> list[dict[str, str]]:
    return list(httpx.post(f"{api}conversations.list", headers=auth, timeout=10).json()["channels"])


def _wait(condition: Callable[[], bool], process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
