"""`vigil serve` refuses to start with one readable line, never a stack trace, when it cannot run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.queries import incident_to_show
from incidents.reviews import load_templates
from incidents.schema import metadata
from incidents.settings import Settings
from tests.bot.conftest import BotUnderTest, People, bot_settings, start_runtime
from tests.bot.test_tryout import VIGIL, free_port
from tests.helpers import declared_ref
from vigil.cli import main
from vigil.warm import warm


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, domain: Domain, emu: SlackEmulator) -> SlackEmulator:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_API_URL", emu.web_api_url)
    return emu


def _serve(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["serve", *argv])
    return code, capsys.readouterr().err


def test_missing_tokens_name_the_variable_and_the_manifest(
    env: SlackEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _serve(capsys)
    assert code == 2 and "SLACK_BOT_TOKEN is not set" in err and "slack-app-manifest.yaml" in err
    assert "Traceback" not in err


def test_http_mode_needs_the_signing_secret(
    env: SlackEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", env.bot_token)
    code, err = _serve(capsys, "--http")
    assert code == 2 and "SLACK_SIGNING_SECRET is not set" in err


def test_a_bad_token_or_slack_down_is_one_line(
    env: SlackEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-a-real-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", env.app_token)
    code, err = _serve(capsys)
    assert code == 2 and "invalid_auth" in err and "Traceback" not in err
    monkeypatch.setenv("SLACK_BOT_TOKEN", env.bot_token)
    env.go_down()
    code, err = _serve(capsys)
    assert code == 2 and "did not answer" in err and "Traceback" not in err


def test_a_broken_review_template_is_one_line_naming_it(
    env: SlackEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "review.md.j2").write_text("# {{ review.ref }\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN", env.bot_token)
    monkeypatch.setenv("SLACK_APP_TOKEN", env.app_token)
    monkeypatch.setenv("VIGIL_TEMPLATES_DIR", str(tmp_path))
    code, err = _serve(capsys)
    assert code != 0 and "review.md.j2" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_web_sign_in_credentials_leave_the_bot_single_workspace(
    monkeypatch: pytest.MonkeyPatch, emu: SlackEmulator, people: People, live_domain: Domain, db_url: str
) -> None:
    """SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are offered for web sign-in; bolt alone would take them as a switch to
    multi-workspace OAuth and drop every request of this workspace with an empty 200."""
    monkeypatch.setenv("SLACK_CLIENT_ID", emu.client_id)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", emu.client_secret)
    monkeypatch.setenv("SLACK_BOT_TOKEN", emu.bot_token)
    runtime = start_runtime(bot_settings(emu, db_url, people.announce), live_domain)
    runtime.socket_mode().connect()
    emu.wait_for(lambda: emu.socket_connections > 0)
    try:
        bot = BotUnderTest(emu, live_domain, runtime.settings, runtime, people)
        ref, channel = bot.declare()
        assert channel.name.startswith("inc-") and bot.incident(ref).slack_channel_id == channel.id
    finally:
        runtime.stop()
    assert os.environ["SLACK_CLIENT_ID"] == emu.client_id  # put back as it was


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["socket", "http"])
def test_a_normal_start_prints_no_warnings(env: SlackEmulator, tmp_path: Path, mode: str) -> None:
    """Every line a normal start prints is about Vigil: no library warnings or deprecation notices, also with the
    web view's sign-in configured through SLACK_CLIENT_ID/SLACK_CLIENT_SECRET."""
    with _serving(env, tmp_path, mode) as stderr:
        pass
    printed = stderr.read_text()
    assert "Scheduler started" in printed  # it did start, and said so
    assert not re.search(r"warning|deprecat|traceback", printed, re.IGNORECASE), printed


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["socket", "http"])
def test_it_has_warmed_up_before_slack_can_send_it_anything(env: SlackEmulator, tmp_path: Path, mode: str) -> None:
    """What the first request would otherwise pay (the first declare after a start acked in ~170 ms, the next ones
    in ~10 ms) is paid at start: by the time Slack can reach the bot, it has said that it is done."""
    with _serving(env, tmp_path, mode) as stderr:
        assert "Warmed up in" in stderr.read_text()


def test_warming_up_writes_nothing(domain: Domain, db_url: str) -> None:
    """Warming up rehearses a declare and rolls it back, reads the newest incident and renders its card as a
    refresh does, and stores none of it (nor can it send anything: it is given no Slack client); the next declare
    takes the next reference."""
    ref = declared_ref(domain)
    before = _rows(domain), _version(domain, ref)
    warm(domain, load_templates(), Settings(database_url=db_url))
    assert (_rows(domain), _version(domain, ref)) == before
    assert _number(declared_ref(domain)) == _number(ref) + 1


def test_warming_up_leaves_an_empty_database_empty(domain: Domain, db_url: str) -> None:
    """The rehearsed declare's incident, timeline, clocks, tasks, record leaves, outbox rows and the year's
    reference counter are all rolled back: not a row in any table, and the first declare is the year's first."""
    warm(domain, load_templates(), Settings(database_url=db_url))
    assert not any(_rows(domain).values()), _rows(domain)
    assert _number(declared_ref(domain)) == 1


def _rows(domain: Domain) -> dict[str, int]:
    with domain.engine.connect() as connection:
        return {t.name: connection.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables}


def _number(ref: str) -> int:
    return int(ref.rsplit("-", 1)[1])


def _version(domain: Domain, ref: str) -> int:
    with domain.unit() as ctx:
        return incident_to_show(ctx, ref).version


@contextmanager
def _serving(emu: SlackEmulator, tmp_path: Path, mode: str) -> Iterator[Path]:
    """``vigil serve`` in its own process, from the moment Slack can reach it (Socket Mode connected, or HTTP mode
    answering) until it is stopped; yields the file its standard error goes to."""
    port = free_port()
    environment = {
        **os.environ,
        "SLACK_BOT_TOKEN": emu.bot_token,
        "SLACK_APP_TOKEN": emu.app_token,
        "SLACK_SIGNING_SECRET": emu.signing_secret,
        "SLACK_CLIENT_ID": emu.client_id,
        "SLACK_CLIENT_SECRET": emu.client_secret,
        "VIGIL_OIDC_DISCOVERY_URL": emu.oidc_configuration_url,
        "VIGIL_WEB_SESSION_SECRET": "quiet-start-session-secret-" + "x" * 16,
    }
    argv = [str(VIGIL), "serve", *(["--http", "--host", "127.0.0.1", "--port", str(port)] if mode == "http" else [])]
    stderr = tmp_path / "stderr"
    with stderr.open("w") as errors:
        process = subprocess.Popen(argv, env=environment, stdout=subprocess.DEVNULL, stderr=errors, cwd=tmp_path)
    try:
        emu.wait_for(lambda: process.poll() is not None or _started(mode, emu, port), timeout=60)
        assert process.poll() is None, stderr.read_text()
        yield stderr
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def _started(mode: str, emu: SlackEmulator, port: int) -> bool:
    if mode == "socket":
        return emu.socket_connections > 0
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


SCOPES_NEEDED = {
    "auth.test": set(),
    "bookmarks.add": {"bookmarks:write"},
    "bookmarks.list": {"bookmarks:read"},
    "chat.getPermalink": set(),
    "chat.postMessage": {"chat:write", "chat:write.public"},  # also to a user's id, for DMs
    "chat.update": {"chat:write"},
    "conversations.create": {"channels:manage", "groups:write"},
    "conversations.history": {"channels:history", "groups:history", "im:history"},  # im: a DM's, before re-sending
    "conversations.info": {"channels:read", "groups:read"},  # whether a channel already has the name it is given
    "conversations.open": {"im:write"},  # the DM's channel, to look for a DM whose answer was lost
    "conversations.invite": {"channels:manage", "groups:write"},
    "conversations.list": {"channels:read", "groups:read"},
    "conversations.members": {"channels:read", "groups:read"},  # who is in the triage channel (App Home's queue)
    "conversations.rename": {"channels:manage", "groups:write"},  # the channel's name follows its tier and types
    "conversations.setPurpose": {"channels:manage", "groups:write"},
    "conversations.setTopic": {"channels:manage", "groups:write"},
    "files.upload_v2": {"files:write"},
    "pins.add": {"pins:write"},
    "reactions.get": {"reactions:read"},
    "users.info": {"users:read", "users:read.email"},
    "users.lookupByEmail": {"users:read.email"},  # the people PagerDuty says are on call
    "views.open": set(),
    "views.publish": set(),
    "views.update": set(),
}
"""What each Web API method the bot calls needs with a bot token (Slack's reference for the method)."""


def test_the_manifest_asks_for_the_scopes_the_code_uses_and_no_more() -> None:
    root = Path(__file__).resolve().parents[2]
    source = "\n".join(path.read_text() for path in (root / "bot").rglob("*.py"))
    called = {f"{family}.{method}" for family, method in re.findall(r"\bclient\.([a-z]+)_(\w+)\(", source)}
    assert called <= SCOPES_NEEDED.keys(), f"say which scopes these need: {called - SCOPES_NEEDED.keys()}"
    manifest = yaml.safe_load((root / "slack-app-manifest.yaml").read_text())
    asked = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {"commands"}.union(*(SCOPES_NEEDED[method] for method in called))
    assert asked == needed, f"asked but unused: {asked - needed}; used but not asked: {needed - asked}"
