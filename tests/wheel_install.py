"""Vigil's wheel, built from a copy of this checkout and installed into a new virtual environment with its runtime
dependencies only, as the README's "Production" section installs it (``tests/test_install.py`` runs it).

It takes about a minute of one CPU, so a whole run starts it in the background as the run starts
(:func:`start_early`) and the tests that need it wait for it (:func:`installed_venv`) rather than one test worker
building it while the other waits: one install per run, guarded by a lock beside it.

    python -m tests.wheel_install DIRECTORY
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_IN_A_CHECKOUT = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", "*.db", ".*_cache", "artifacts"
)
EARLY = "TESTS_WHEEL_INSTALL_DIR"
"""Where the install started early is (set by the run, read by its test workers, which inherit it)."""


def installed_venv(fallback: Path) -> Path:
    """The virtual environment with Vigil installed, once there: the one started early, or one built now in
    ``fallback`` (a run of a few tests)."""
    where = Path(os.environ.get(EARLY, fallback))
    with (where / "install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        venv = where / "venv"
        if not (venv / "bin" / "vigil").exists():
            _build_and_install(where)
        return venv


def start_early(config: pytest.Config) -> subprocess.Popen[bytes] | None:
    """Start the install in the background when this run includes the install tests (the whole suite with its slow
    tier, or that file named); None otherwise (a run picking tests by keyword builds it if one of them needs it)."""
    whole = config.args_source is pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword
    named = any("test_install" in arg for arg in config.args)
    if not (whole or named) or "not slow" in (config.option.markexpr or ""):
        return None
    where = Path(tempfile.mkdtemp(prefix="vigil-wheel-install-"))
    os.environ[EARLY] = str(where)
    return subprocess.Popen([sys.executable, "-m", "tests.wheel_install", str(where)], cwd=ROOT)


def stop_early(started: subprocess.Popen[bytes]) -> None:
    """At the end of the run: stop an install still going (the run was cut short) and remove it."""
    started.terminate()
    started.wait(timeout=30)
    shutil.rmtree(os.environ.pop(EARLY), ignore_errors=True)


def _build_and_install(where: Path) -> None:
    for part in ("source", "dist", "venv"):
        shutil.rmtree(where / part, ignore_errors=True)
    shutil.copytree(ROOT, where / "source", ignore=NOT_IN_A_CHECKOUT)  # setuptools leaves build/ in its source
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", where / "dist", where / "source")
    [wheel] = (where / "dist").glob("vigil-*.whl")
    _run(sys.executable, "-m", "venv", where / "venv")
    _run(where / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet", wheel)


def _run(*argv: str | Path) -> None:
    done = subprocess.run([str(arg) for arg in argv], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, argv))}:\n{done.stdout}\n{done.stderr}"


if __name__ == "__main__":
    installed_venv(Path(sys.argv[1]))
