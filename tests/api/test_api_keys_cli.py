"""Operators create, list and revoke keys from the terminal; the token is shown once and works at once."""

from __future__ import annotations

import httpx
import pytest

from incidents.context import Domain
from tests.helpers import declared_ref
from vigil.cli import main
from web.server import WebServer


@pytest.fixture
def vigil(domain: Domain, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(["--as", "cli:ops", *argv])
        except SystemExit as exited:  # a mistake in the arguments
            code = int(exited.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_create_list_revoke(vigil, api: WebServer, domain: Domain) -> None:
    restricted = declared_ref(domain, types=["suicide_self_harm"], title="Live stream of self-harm")
    scopes = ("--scopes", "incidents:read,incidents:write")
    code, out, _ = vigil("api-keys", "create", "--name", "hotline", *scopes, "--all-tiers")
    assert code == 0 and "Created API key 'hotline' (incidents:read, incidents:write; all incidents" in out
    token = out.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{api.url}/api/v1/incidents/{restricted}", headers=auth).status_code == 200
    code, out, _ = vigil("api-keys", "create", "--name", "cases", *scopes)
    assert code == 0 and "standard incidents only" in out
    by_default = {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}
    assert httpx.get(f"{api.url}/api/v1/incidents/{restricted}", headers=by_default).status_code == 404
    code, out, _ = vigil("api-keys", "list")
    assert [line.split()[0] for line in out.splitlines()] == ["cases", "hotline"] and token not in out
    assert "standard-only" in out.splitlines()[0] and "all-tiers" in out.splitlines()[1]
    assert vigil("api-keys", "revoke", "hotline")[0] == 0
    assert "REVOKED" in vigil("api-keys", "list")[1].splitlines()[1]
    assert httpx.get(f"{api.url}/api/v1/incidents", headers=auth).status_code == 401


def test_mistakes_are_one_line(vigil) -> None:
    code, _, err = vigil("api-keys", "create", "--name", "x", "--scopes", "incidents:delete")
    assert code == 2 and err.startswith("vigil api-keys create: argument --scopes: Scopes must be among")
    assert err.count("\n") == 1
    assert vigil("api-keys", "create", "--name", "Bad Name!", "--scopes", "incidents:read")[0] == 1
    assert vigil("api-keys", "create", "--name", "dup", "--scopes", "incidents:read")[0] == 0
    assert "already a key named 'dup'" in vigil("api-keys", "create", "--name", "dup", "--scopes", "incidents:read")[2]
    assert vigil("api-keys", "revoke", "ghost")[2] == "vigil: No API key named 'ghost'.\n"
