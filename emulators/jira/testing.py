"""Helpers for tests that drive the emulator through the real ``jira`` client.

Kept out of the emulator proper so production-like code paths never import test conveniences, and kept
free of pytest so any test module (or a REPL) can use them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import jira
import requests

from emulators.jira.model import Deployment
from emulators.jira.server import JiraEmulator


def client_for(emu: JiraEmulator, max_retries: int = 0, timeout: float | None = 5.0) -> jira.JIRA:
    """A ``jira.JIRA`` authenticated the way the deployment expects (Basic e-mail+token / Bearer PAT).

    ``max_retries=0`` by default: the client's ResilientSession sleeps 2*Retry-After on 429/503 and
    10*2**n s on connection errors, which would make fault tests slow.
    """
    if emu.deployment == "Cloud":
        return jira.JIRA(
            server=emu.url, basic_auth=(emu.email, emu.api_token), max_retries=max_retries, timeout=timeout
        )
    return jira.JIRA(server=emu.url, token_auth=emu.pat, max_retries=max_retries, timeout=timeout)


@contextmanager
def running(deployment: Deployment = "Cloud", project: str = "SAFE") -> Iterator[JiraEmulator]:
    """A started emulator with one project (Task, Bug), stopped on exit."""
    emu = JiraEmulator(deployment=deployment).start()
    try:
        emu.add_project(key=project, name="Safety", issue_types=["Task", "Bug"])
        yield emu
    finally:
        emu.stop()


@contextmanager
def running_jira820(project: str = "SAFE", timeout: float = 15.0) -> Iterator[str]:
    """Start ``jira820`` (an independent Jira Data Center emulator from PyPI) on a free loopback port and yield
    its URL, so the same client code can be checked against a second judge; stopped on exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"JIRA820_PORT": str(port), "JIRA820_HOST": "127.0.0.1", "JIRA820_PROJECT_KEY": project}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jira820"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                requests.get(f"{url}/rest/api/2/serverInfo", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("jira820 did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
