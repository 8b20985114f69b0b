"""`vigil try` stopped by SIGTERM (a process manager, `kill`) or SIGHUP (its terminal closed) cleans up as Ctrl-C
does: the scratch directory, with the incidents typed into it, is gone, and it says so."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.bot.test_tryout import Running
from tests.bot.test_tryout import running as running  # the fixture

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_stops_it_and_deletes_the_scratch_directory(running: Running, stop: signal.Signals) -> None:
    database = Path(running.field("Database"))
    assert running.curl(0).status_code == 201  # an incident in the scratch database
    assert database.is_file()
    running.process.send_signal(stop)
    assert running.process.wait(timeout=60) == 0
    running.reader.join(timeout=10)
    said = "".join(running.lines.get_nowait() for _ in range(running.lines.qsize()))
    assert "Stopped; the scratch database is gone." in said
    assert not database.parent.exists()
    assert "Traceback" not in running.stderr.read_text()
