"""``vigil try`` as a newcomer runs it: one command, then what it printed, used as printed.

The command runs as a subprocess on free ports; the test reads the web view's address, the API key and the
``curl`` commands from its output, runs those commands (with httpx, argument for argument), signs in to the web
view through the emulator, declares a SEV1, sees its page and acknowledges it as printed, sees the acknowledgement
in the incident's channel, and stops it all with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import queue
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from emulators.pagerduty.testing import running as running_pagerduty
from tests.bot.conftest import BotUnderTest
from vigil.emulated import EmulatedPaging
from vigil.tryout import pagerduty_console

START_TIMEOUT_S = 90
VIGIL = Path(sys.executable).with_name("vigil")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Running:
    process: subprocess.Popen[str]
    printed: str
    lines: queue.Queue[str]
    reader: threading.Thread
    stderr: Path
    cwd: Path

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C; the exit code, what it printed after starting, and everything it wrote to stderr."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=60)
        self.reader.join(timeout=10)
        later = []
        while not self.lines.empty():
            later.append(self.lines.get_nowait())
        return code, "".join(later), self.stderr.read_text()

    def field(self, label: str) -> str:
        match = re.search(rf"^  {label} +(\S+)", self.printed, re.MULTILINE)
        assert match, f"{label!r} not printed:\n{self.printed}"
        return match.group(1)

    def curl(self, index: int) -> httpx.Response:
        """The ``index``-th printed curl command, run with httpx."""
        lines = [line.strip() for line in self.printed.splitlines() if line.strip().startswith("curl ")]
        return run_curl(lines[index])


def run_curl(line: str) -> httpx.Response:
    """The curl options ``vigil try`` prints (-sS, -H, -d, --data-urlencode), as one httpx request."""
    words = shlex.split(line)[1:]
    url, headers, form, body = "", {}, {}, None
    while words:
        word = words.pop(0)
        if word == "-H":
            name, _, value = words.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d" and words[0].startswith("{"):
            body = words.pop(0)
        elif word in ("-d", "--data-urlencode"):
            name, _, value = words.pop(0).partition("=")
            form[name] = value
        elif not word.startswith("-"):
            url = word
    if body is not None:
        return httpx.post(url, headers=headers, content=body, timeout=30)
    return httpx.post(url, headers=headers, data=form, timeout=30)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    stderr = tmp_path / "stderr"
    with stderr.open("w") as errors:
        process = subprocess.Popen(
            [str(VIGIL), "try", "--port", str(free_port()), "--slack-port", str(free_port())],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=tmp_path,
        )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or []], daemon=True)
    reader.start()
    printed = ""
    deadline = time.monotonic() + START_TIMEOUT_S
    while "Ctrl-C stops everything" not in printed:
        try:
            printed += lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            process.kill()
            pytest.fail(f"vigil try did not start:\n{printed}\n{stderr.read_text()}")
    try:
        yield Running(process, printed, lines, reader, stderr, tmp_path)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.mark.slow
def test_everything_printed_works_as_printed_and_ctrl_c_stops_it_all(running: Running) -> None:
    database = Path(running.field("Database"))
    assert database.is_file() and database.name != "vigil.db"

    declared = running.curl(0)
    assert declared.status_code == 201, declared.text
    ref = declared.json()["ref"]

    console = running.field("Slack")
    channel = f"#{ref.lower()}-"
    deadline = time.monotonic() + 30
    while channel not in httpx.get(console, timeout=10).text:
        assert time.monotonic() < deadline, f"the emulator never saw {channel}… created"
        time.sleep(0.2)

    typed = running.curl(1)
    assert typed.status_code == 200 and typed.json()["ok"], typed.text
    assert "Declared *INC-" in typed.json()["replies"][0]

    with httpx.Client(base_url=running.field("Web view"), follow_redirects=True, timeout=30) as browser:
        page = browser.get("signin/start")
    assert page.status_code == 200 and ref in page.text and "Maya" in page.text

    assert "A SEV0 or SEV1 pages Trust & Safety on-call in PagerDuty" in running.printed
    sev1 = running.curl(2)
    assert sev1.status_code == 200 and sev1.json()["ok"], sev1.text
    paged = re.search(r"Declared \*(INC-\S+)\* \(SEV1", sev1.json()["replies"][0])
    assert paged, sev1.text
    pages = running.field("PagerDuty")
    shown = wait_for_text(pages, f"{paged.group(1)}/default  triggered  Trust & Safety on-call → Sam")
    assert "Threats against a host after a cancelled stay · SEV1" in shown

    acknowledged = running.curl(3)
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json() == {"ok": True, "acknowledged": f"{paged.group(1)}/default", "by": "Sam"}
    assert "acknowledged by Sam" in httpx.get(pages, timeout=10).text
    wait_for_text(console, "Acknowledged by Sam via PagerDuty")

    reported = running.curl(4)
    assert reported.status_code == 201 and reported.json()["signals"][0]["state"] == "waiting", reported.text
    triage = wait_for_text(console, "Hate or harassment signals waiting for triage: 1 signal")
    assert "creator_7781" not in triage, "the triage channel shows counts and sources, never whom a report is about"

    code, later, errors = running.stop()
    assert code == 0 and "Stopped" in later, errors
    assert not database.exists() and not (running.cwd / "vigil.db").exists()
    assert not re.search(r"warning|deprecat|traceback", errors, re.IGNORECASE), errors


def wait_for_text(url: str, text: str, timeout: float = 30) -> str:
    """The page at ``url`` once it shows ``text``."""
    deadline = time.monotonic() + timeout
    while text not in (shown := httpx.get(url, timeout=10).text):
        assert time.monotonic() < deadline, f"{url} never showed {text!r}:\n{shown}"
        time.sleep(0.2)
    return shown


def test_the_pagerduty_console_says_who_may_acknowledge_and_when_there_is_nothing_to() -> None:
    with running_pagerduty() as emu:
        paging = EmulatedPaging.start(emu, ("Sam", "sam@example.com"))
        with TestClient(pagerduty_console(paging)) as console:
            assert console.get("/").text == "No pages yet: declare a SEV0 or SEV1.\n"
            nothing = console.post("/acknowledge", data={"user": "sam"})
            assert nothing.status_code == 404 and "declare a SEV0 or SEV1 first" in nothing.json()["error"]
            unknown = console.post("/acknowledge", data={"user": "maya"})
            assert unknown.status_code == 400 and unknown.json()["error"] == "Unknown user 'maya': acknowledge as sam."


def test_the_console_types_commands_as_people_and_turns_at_names_into_mentions(bot: BotUnderTest) -> None:
    ref, channel = bot.declare()
    console = f"{bot.emu.base_url}console/command"
    typed = {"user": "alice", "channel": f"#{channel.name}", "text": "/incident role @bob scribe"}
    said = httpx.post(console, data=typed, timeout=30)
    assert said.status_code == 200 and said.json()["ok"], said.text
    bot.settle()
    assert any(r.role == "scribe" and r.person == bot.people.bob for r in bot.incident(ref).roles)

    refused = httpx.post(console, data={**typed, "user": "nobody"}, timeout=30)
    assert refused.status_code == 400 and "alice, bob, carol" in refused.json()["error"]
