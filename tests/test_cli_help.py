"""`vigil --version` and `vigil help [COMMAND]`: what a newcomer types first answers, and never with a usage error."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata

import pytest

from vigil.cli import main
from vigil.cli.parser import COMMANDS


def _vigil(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vigil", *argv], capture_output=True, text=True, check=False)


def test_version_comes_from_the_installed_package() -> None:
    done = _vigil("--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"vigil {metadata.version('vigil')}\n", "")


def test_help_lists_every_command_and_describes_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("usage: vigil ")
    assert all(re.search(rf"^\s+{c.name}\s+\w", listing, re.MULTILINE) for c in COMMANDS)
    assert main(["help", "resolve"]) == 0
    described = capsys.readouterr().out
    assert described.startswith("usage: vigil resolve [-h] [--note NOTE] [--yes] ref\n\nResolve an incident.")


def test_help_for_a_command_that_does_not_exist_suggests_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help", "resolv"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        "vigil help: no command 'resolv'; did you mean `vigil help resolve`? `vigil help` lists them all.\n",
    )
