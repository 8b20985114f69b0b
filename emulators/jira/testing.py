"""Helpers for tests that drive the emulator through the real ``jira`` client.

Kept out of the emulator proper so production-like code paths never import test conveniences, and kept
free of pytest so any test module (or a REPL) can use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import jira

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
