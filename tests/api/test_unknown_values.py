"""Outside Slack too, a severity, type, tier or region Vigil does not know is refused with the values to use, and
nothing is declared: through the intake API (422 naming the field) and the terminal (one line)."""

from __future__ import annotations

import contextlib

import httpx
import pytest
from sqlalchemy import func, select

from incidents.context import Domain
from incidents.models import Incident
from tests.api.conftest import DECLARE
from tests.test_cli import one_line
from vigil.cli import main

UNKNOWN = {
    "severity": ("SEV9", "Input should be 'SEV0', 'SEV1', 'SEV2', 'SEV3' or 'SEV4'."),
    "types": (["fraud"], "Unknown incident type 'fraud'; known types: threat_violence, "),
    "tier": ("secret", "Input should be 'standard', 'restricted' or 'highly_restricted'."),
    "region": ("MARS", "Unknown region 'MARS': use one of AMS, EMEA, APAC."),
}


@pytest.mark.parametrize("field", list(UNKNOWN))
def test_the_api_refuses_an_unknown_value_naming_the_valid_ones(
    client: httpx.Client, domain: Domain, field: str
) -> None:
    value, said = UNKNOWN[field]
    response = client.post("/api/v1/incidents", json={**DECLARE, field: value})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] in (field, f"{field}.0") and said in error["message"], error
    with domain.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Incident)) == 0


@pytest.mark.parametrize(
    ("option", "value", "code", "said"),
    [
        ("--severity", "SEV9", 2, "Unknown severity 'SEV9': use one of SEV0, SEV1, SEV2, SEV3, SEV4"),
        ("--severity", "sev-1", 2, "Unknown severity 'sev-1': use one of SEV0, SEV1, SEV2, SEV3, SEV4"),
        ("--type", "fraud", 1, "Unknown incident type 'fraud'; known types: threat_violence, "),
        ("--tier", "secret", 2, "Unknown sensitivity tier 'secret': use one of standard, restricted, highly_"),
        ("--region", "MARS", 1, "Unknown region 'MARS': use one of AMS, EMEA, APAC."),
    ],
)
def test_the_terminal_refuses_an_unknown_value_naming_the_valid_ones(
    domain: Domain,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    code: int,
    said: str,
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    given = {"--type": "other", "--severity": "SEV2", option: value}
    with pytest.raises(SystemExit) if code == 2 else contextlib.nullcontext() as exited:
        returned = main(["declare", "Scam wave", *(word for pair in given.items() for word in pair)])
    out, err = capsys.readouterr()
    assert (exited.value.code if exited else returned, out) == (code, "")
    assert said in err and one_line(err), err
    with domain.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Incident)) == 0
