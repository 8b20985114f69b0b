"""``vigil page``: one line saying what was queued, or why not."""

from __future__ import annotations

import pytest

from incidents.context import Domain
from incidents.enums import Severity
from tests.helpers import declared_ref
from tests.paging.conftest import pages
from vigil.cli import main


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setenv("VIGIL_PAGERDUTY_ROUTING_KEY", "R0UTINGKEY0123456789abcdefabcdef")


def test_vigil_page_queues_one_page_per_service(
    cli_env: None, domain: Domain, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = declared_ref(domain, severity=Severity.SEV2)
    assert main(["--as", "cli:alice", "page", ref]) == 0
    assert capsys.readouterr().out == (
        f"{ref}: paging Trust & Safety on-call; the running bot sends it (its outbox retries until PagerDuty "
        "answers).\n"
    )
    assert main(["--as", "cli:alice", "page", ref, "--service", "trust & safety on-call"]) == 0
    assert capsys.readouterr().out == f"{ref}: Trust & Safety on-call was already paged (queued); nothing sent again.\n"
    assert [(p.service, p.state) for p in pages(domain)] == [("default", "queued")]


def test_vigil_page_refuses_an_unknown_service_in_one_line(
    cli_env: None, domain: Domain, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = declared_ref(domain, severity=Severity.SEV2)
    assert main(["page", ref, "--service", "legal"]) == 1
    assert capsys.readouterr().err == (
        "vigil: Unknown paging service 'legal': page one of default (Trust & Safety on-call).\n"
    )
    assert pages(domain) == []


def test_vigil_page_without_a_routing_key_says_what_to_set(
    db_url: str, domain: Domain, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    ref = declared_ref(domain, severity=Severity.SEV2)
    assert main(["page", ref]) == 1
    assert capsys.readouterr().err == (
        "vigil: Paging is not configured: set VIGIL_PAGERDUTY_ROUTING_KEY (and the events URL) or VIGIL_JSM_API_KEY.\n"
    )
