"""``vigil page``: one line saying what was queued (for a service, or one person), or why not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from incidents.context import Domain
from incidents.enums import Severity
from incidents.policy import load_policy
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


@pytest.fixture
def person_env(cli_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack whose ``default`` service gives its PagerDuty id, the REST API token and a user to page as."""
    paging = load_policy().paging.model_dump(mode="json")
    paging["services"]["default"]["pagerduty_service_id"] = "PDEFAULT"
    pack = tmp_path / "pack.yaml"
    pack.write_text(yaml.safe_dump({"paging": paging}))
    monkeypatch.setenv("VIGIL_POLICY_FILE", str(pack))
    monkeypatch.setenv("VIGIL_PAGERDUTY_API_TOKEN", "token-of-the-rest-api")
    monkeypatch.setenv("VIGIL_PAGERDUTY_FROM_EMAIL", "vigil@example.org")


def test_vigil_page_person_queues_one_page_per_person(
    person_env: None, domain: Domain, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = declared_ref(domain, severity=Severity.SEV2)
    assert main(["--as", "cli:alice", "page", ref, "--person", "sam.lee@example.org"]) == 0
    assert capsys.readouterr().out == (
        f"{ref}: paging sam.lee@example.org; the running bot sends it (its outbox retries until PagerDuty answers).\n"
    )
    assert main(["--as", "cli:alice", "page", ref, "--person", "SAM.LEE@example.org", "--reason", "again"]) == 0
    assert capsys.readouterr().out == f"{ref}: sam.lee@example.org was already paged (queued); nothing sent again.\n"
    [page] = pages(domain)
    assert (page.service.startswith("@"), page.state, page.dedup_key.startswith(f"{ref}/@")) == (True, "queued", True)


def test_vigil_page_person_without_an_api_token_says_what_to_set(
    cli_env: None, domain: Domain, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = declared_ref(domain, severity=Severity.SEV2)
    assert main(["page", ref, "--person", "sam.lee@example.org"]) == 1
    assert capsys.readouterr().err == (
        "vigil: Paging a person needs VIGIL_PAGERDUTY_API_TOKEN (PagerDuty's REST API); until it is set, page their "
        "service.\n"
    )
    assert pages(domain) == []
