"""A local Jira REST emulator (Cloud or Server/DC) for tests of Vigil's Jira sync.

It validates requests like Jira, keeps state, sends signed webhooks and fails on demand::

    emu = JiraEmulator(deployment="Cloud").start()
    emu.add_project(key="SAFE", name="Safety", issue_types=["Task", "Bug"])
    client = jira.JIRA(server=emu.url, basic_auth=(emu.email, emu.api_token), max_retries=0)
    ...
    emu.stop()
"""

from emulators.jira.faults import RequestRecord
from emulators.jira.server import JiraEmulator
from emulators.jira.webhooks import Delivery, Webhook

__all__ = ["Delivery", "JiraEmulator", "RequestRecord", "Webhook"]
