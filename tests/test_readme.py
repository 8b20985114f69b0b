"""The README's commands run as written: its terminal walkthrough, in order, on a fresh database, and its example
request body is one the intake API accepts. A README that drifts from Vigil fails here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from web.api.schemas import DeclareRequest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _section(heading: str) -> str:
    return README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def _first_block(text: str) -> str:
    return re.search(r"```sh\n(.*?)```", text, re.DOTALL).group(1)  # type: ignore[union-attr]


@pytest.mark.slow
def test_the_terminal_walkthrough_runs_as_written(tmp_path: Path) -> None:
    script = _first_block(_section("Running an incident from the terminal"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "SLACK_", "JIRA_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "walkthrough.db").exists() and not (tmp_path / "vigil.db").exists()
    shown = done.stdout.split("INC-2026-0001: Credible threat against a host\n", 1)[1]  # vigil show, vigil list
    for name in ("Maya Patel", "Sam Lee", "Lee Okafor"):
        assert name in shown
    assert not re.search(r"\bU0[0-9A-Z]{7,}\b", shown), "people appear by name, not by Slack id"


def test_the_example_declare_body_is_accepted_by_the_api() -> None:
    [curl] = [
        block
        for block in re.findall(r"```sh\n(.*?)```", _section("Try it without Slack"), re.DOTALL)
        if "curl" in block
    ]
    body = json.loads(re.search(r"-d '(.*?)'", curl, re.DOTALL).group(1))  # type: ignore[union-attr]
    DeclareRequest.model_validate(body)
