"""CSV of incidents from the web (the list's filters and visibility) and from ``vigil export``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from incidents.context import Domain
from incidents.models import AuditEvent
from incidents.timesource import ManualTime
from tests.helpers import declare
from tests.web.conftest import SignIn
from tests.web.scenario import LEADER_EMAIL, World
from vigil.cli import main

Run = Callable[..., tuple[int, str, str]]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def vigil(domain: Domain, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setenv("VIGIL_WEB_LEADERSHIP", f'["{LEADER_EMAIL}", "cli:lena"]')

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_the_incident_csv_follows_the_filters_and_what_the_viewer_may_see(
    sign_in: SignIn, world: World, domain: Domain
) -> None:
    outsider = sign_in(world.bob)
    everything = _rows(outsider.get("/export/incidents.csv").text)
    assert {r["ref"] for r in everything} == {world.standard, world.overdue, "INC-2026-0001"}
    overdue = next(r for r in everything if r["ref"] == world.overdue)
    assert overdue["overdue_clocks"].startswith("EU DSA Art. 18") and overdue["severity"] == "SEV1"
    filtered = _rows(outsider.get("/export/incidents.csv?severity=SEV2&type=fraud_scam&q=scam").text)
    assert [r["ref"] for r in filtered] == [world.standard]
    assert filtered[0]["types"] == "account_takeover;fraud_scam" and filtered[0]["commander"] == "Carol Diaz"
    leader = _rows(sign_in(world.lena).get("/export/incidents.csv?status=resolved").text)
    restricted = next(r for r in leader if r["ref"] == world.restricted)
    assert restricted["commander"] == "Commander" and restricted["tier"] == "restricted"
    with domain.unit() as ctx:
        audited = ctx.session.execute(
            select(AuditEvent.actor, AuditEvent.details).where(AuditEvent.action == "web.export_incidents")
        ).all()
    assert [(a, d["restricted"]) for a, d in audited] == [(world.bob, 0), (world.bob, 0), (world.lena, 1)]


def test_cells_that_a_spreadsheet_would_run_are_neutralised(sign_in: SignIn, world: World, domain: Domain,
                                                            time_source: ManualTime) -> None:  # fmt: skip
    with domain.unit() as ctx:
        declare(ctx, actor=world.bob, title='=HYPERLINK("http://evil")', types=["fraud_scam"])
    rows = _rows(sign_in(world.bob).get("/export/incidents.csv?q=hyperlink").text)
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'


def test_vigil_export_writes_the_same_csv(vigil: Run, world: World, tmp_path: Path) -> None:
    code, out, _ = vigil("--as", world.bob, "export", "--format", "csv", "--severity", "SEV2")
    assert code == 0 and [r["ref"] for r in _rows(out)] == [world.standard]
    code, out, _ = vigil("--as", "cli:lena", "export", "--status", "resolved")
    assert world.restricted in out and "Alice" not in out
    code, out, _ = vigil("--as", world.bob, "export", "--what", "all", "-o", str(tmp_path / "out"))
    assert code == 0 and "Wrote 7 CSV files" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{n}.csv" for n in ("incidents", "weekly-severity", "weekly-type", "weekly-region", "response-times",
                             "clocks", "overdue-actions")
    )  # fmt: skip
    code, _, err = vigil("export", "--what", "all")
    assert code == 1 and "give a directory" in err
