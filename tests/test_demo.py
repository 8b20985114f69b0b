"""``vigil demo`` as a newcomer reads it: the SEV1 pages the on-call person in PagerDuty, who acknowledges there, and
the acknowledgement comes back to the incident's channel."""

from __future__ import annotations

import re

import pytest

from vigil.cli import main


@pytest.mark.slow
def test_the_demo_shows_the_page_and_its_acknowledgement_in_slack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    assert main(["demo"]) == 0
    played, slack = capsys.readouterr().out.split("What Slack received")
    slack, recorded = slack.split("The incident as Vigil recorded it")

    found = re.search(r"INC-\d{4}-0001", played)
    assert found
    ref = found.group()
    page = f"{ref} · Threats against a host after a cancelled stay · SEV1"
    assert f'  PagerDuty pages Sam for {ref}: "{page}"\n  sam acknowledges the page in PagerDuty\n' in played
    channel = slack.split(f"#{ref.lower()}-")[1]
    assert "    vigil: page: On call for Trust & Safety on-call: Sam\n" in channel
    assert "    vigil: page: Acknowledged by Sam via PagerDuty\n" in channel
    assert channel.index("On call for") < channel.index("Acknowledged by") < channel.index("is now legal")
    assert re.search(rf"  the form asks sam: \*{ref} still has \d+ playbook steps open:\*\n", played), played
    assert re.search(r"Resolved with \d+ playbook steps open \(was mitigated\): host safe", recorded), recorded
