"""Vigil installed the way the README's "Production" section installs it: the wheel built from this checkout, with its
runtime dependencies only, in a fresh virtual environment outside the checkout. From there ``vigil db upgrade``,
``vigil demo`` and ``vigil serve --http`` work, so everything they read (migrations, the policy pack, the review and
web templates, the emulators the demo plays against) ships in the wheel, and the README's install size is true."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from emulators.slack import SlackEmulator
from tests.bot.test_tryout import free_port
from tests.wheel_install import ROOT, installed_venv

pytestmark = pytest.mark.slow

TEST_TOOLS = ("pytest", "xdist", "playwright", "mypy", "ruff", "hypothesis", "schemathesis", "deptry")
README_SIZE = re.compile(r"takes about (\d+) MB")


@dataclass
class Install:
    venv: Path
    cwd: Path
    """An empty directory outside the checkout: where the commands run, and where ``./vigil.db`` lands."""

    def env(self, **extra: str) -> dict[str, str]:
        """The caller's environment without Vigil's settings or another virtual environment, plus ``extra``."""
        kept = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("VIGIL_", "SLACK_", "JIRA_")) and name not in ("VIRTUAL_ENV", "PYTHONPATH")
        }
        return {**kept, **extra}

    def vigil(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.venv / "bin" / "vigil"), *argv],
            cwd=self.cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0 and "Traceback" not in done.stderr, f"vigil {' '.join(argv)}:\n{done.stderr}"
        return done


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The wheel installed with pip's ordinary resolution: runtime dependencies, no extras (see
    :mod:`tests.wheel_install`)."""
    return Install(installed_venv(tmp_path_factory.mktemp("wheel-install")), tmp_path_factory.mktemp("run"))


@pytest.fixture
def upgraded(installed: Install) -> Iterator[Install]:
    """The install with ``./vigil.db`` at the newest schema, as a fresh server has after ``vigil db upgrade``."""
    created = installed.vigil("db", "upgrade")
    assert "vigil.db" in created.stdout + created.stderr
    yield installed
    (installed.cwd / "vigil.db").unlink()


def test_the_install_is_vigil_from_the_wheel_with_no_test_tools(installed: Install) -> None:
    probe = (
        "import importlib.util, json, vigil; "
        f"print(json.dumps([vigil.__file__, [m for m in {TEST_TOOLS!r} if importlib.util.find_spec(m)]]))"
    )
    done = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", probe],
        cwd=installed.cwd,
        env=installed.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    where, tools = json.loads(done.stdout)
    assert Path(where).is_relative_to(installed.venv) and not Path(where).is_relative_to(ROOT)
    assert tools == [], "test tools belong in the dev extra"


def test_the_install_is_the_size_the_readme_says(installed: Install) -> None:
    """On disk, as ``du -sh`` counts it (MiB, whole blocks)."""
    files = (path for path in installed.venv.rglob("*") if path.is_file() and not path.is_symlink())
    size = sum(path.stat().st_blocks * 512 for path in files) / 2**20
    [said] = README_SIZE.findall((ROOT / "README.md").read_text())
    assert abs(size - int(said)) <= 0.15 * int(said), f"the runtime install takes {size:.0f} MB: say so in the README"


def test_upgrade_then_demo_then_a_review_rendered_from_the_shipped_templates(upgraded: Install) -> None:
    demo = upgraded.vigil("demo", timeout=300)
    assert "resolved" in demo.stdout
    declared = upgraded.vigil("declare", "Scam wave targeting hosts", "--type", "fraud_scam", "--severity", "SEV3")
    ref = re.search(r"INC-\d{4}-\d{4}", declared.stdout)
    assert ref, declared.stdout
    upgraded.vigil("review", ref.group(0), "--format", "html", "-o", "review.html")
    assert "Scam wave targeting hosts" in (upgraded.cwd / "review.html").read_text()


def test_serve_http_answers_healthz_and_serves_the_web_view(upgraded: Install) -> None:
    port = free_port()
    with SlackEmulator() as slack:
        environment = upgraded.env(
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=slack.signing_secret,
            SLACK_API_URL=slack.web_api_url,
            VIGIL_OIDC_CLIENT_ID=slack.client_id,
            VIGIL_OIDC_CLIENT_SECRET=slack.client_secret,
            VIGIL_OIDC_DISCOVERY_URL=slack.oidc_configuration_url,
            VIGIL_WEB_SESSION_SECRET="installed-session-secret-" + "x" * 16,
        )
        argv = [str(upgraded.venv / "bin" / "vigil"), "serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
        errors = upgraded.cwd / "serve.log"
        with errors.open("w") as log:
            serve = subprocess.Popen(argv, cwd=upgraded.cwd, env=environment, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            slack.wait_for(lambda: serve.poll() is not None or _answers(f"{base}/healthz"), timeout=90)
            assert serve.poll() is None, errors.read_text()
            assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
            signin = httpx.get(f"{base}/web/signin", timeout=10)
            assert signin.status_code == 200 and "Sign in with Slack" in signin.text
            stylesheet = re.search(r'href="([^"]+\.css)"', signin.text)
            assert stylesheet and httpx.get(f"{base}{stylesheet.group(1)}", timeout=10).status_code == 200
        finally:
            serve.send_signal(signal.SIGTERM)
            code = serve.wait(timeout=60)
    assert code == 0 and "Traceback" not in errors.read_text(), errors.read_text()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False
