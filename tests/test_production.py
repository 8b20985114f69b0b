"""The README's "Production" section: the systemd unit it installs is one systemd accepts and runs what the section
says, and its settings file names only settings Vigil reads."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_readme_config import read_by_vigil

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
UNIT = ROOT / "docs" / "vigil@.service"
INSTALLED_AT = "/opt/vigil/"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (Debian's systemd package)")
def test_systemd_accepts_the_example_unit(tmp_path: Path) -> None:
    """``systemd-analyze verify`` also checks that ExecStart's program exists, so the unit is checked with the
    install directory it names pointed at a stand-in; every other line is verified as written."""
    stand_in = tmp_path / "install"
    (stand_in / "bin").mkdir(parents=True)
    (stand_in / "bin" / "vigil").write_text("#!/bin/sh\n")
    (stand_in / "bin" / "vigil").chmod(0o755)
    text = UNIT.read_text()
    assert INSTALLED_AT in text
    checked = tmp_path / UNIT.name
    checked.write_text(text.replace(INSTALLED_AT, f"{stand_in}/"))
    assert SYSTEMD_ANALYZE is not None
    done = subprocess.run([SYSTEMD_ANALYZE, "verify", str(checked)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_unit_runs_http_mode_on_its_instance_port_and_allows_a_graceful_stop() -> None:
    settings = dict(
        line.split("=", 1) for line in UNIT.read_text().splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings["ExecStart"] == f"{INSTALLED_AT}bin/vigil serve --http --host 127.0.0.1 --port %i"
    assert settings["KillSignal"] == "SIGTERM"
    assert int(settings["TimeoutStopSec"]) >= 45, "the README allows a replica 45 s to stop"
    assert "migrat" not in settings["ExecStart"] and "ExecStartPre" not in settings, "replicas never migrate"
    assert f"docs/{UNIT.name}" in README and f"{INSTALLED_AT}bin/vigil db upgrade" in README


def test_the_settings_file_names_only_settings_vigil_reads() -> None:
    production = README.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    [settings_file] = re.findall(r"```ini\n(.*?)```", production, re.DOTALL)
    named = {line.split("=", 1)[0] for line in settings_file.splitlines() if "=" in line}
    assert named and named <= read_by_vigil(), named - read_by_vigil()
