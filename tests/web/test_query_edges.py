"""Whatever a URL's query says, a page answers 2xx, 3xx or 4xx, never 500; and every error page, 500 included,
carries the same security headers as the pages themselves."""

from __future__ import annotations

from typing import Any

import pytest

import web.pages.incident
from tests.web.conftest import SignIn
from tests.web.scenario import World

ODD_VALUES = (
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() reads 12
    "9" * 5000,  # past int()'s 4,300-digit limit
    "99999999999999999999",
    "-1",
    "0",
    "9999-12-31",  # the calendar's last day: one day more overflows
    "0001-01-01",
    "10000-01-01",
    "\x00",  # PostgreSQL refuses NUL in text
    "\u202e",
    "%",
    "x" * 3000,
)
PAGES = {
    "/incidents": ("status", "severity", "type", "region", "from", "to", "q", "page"),
    "/export/incidents.csv": ("status", "severity", "type", "region", "from", "to", "q", "page"),
    "/trends": ("weeks",),
    "/export/clocks.csv": ("weeks",),
    "/incidents/{ref}": ("live",),
    "/incidents/{ref}/review": ("audience",),
    "/auth/callback": ("state", "code", "error", "error_description"),
    "/signin": ("next",),
}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


@pytest.mark.slow  # a sweep of every page with every kind of odd value
def test_no_query_value_makes_a_page_fail(sign_in: SignIn, world: World) -> None:
    client = sign_in(world.alice)
    failures = []
    for path, names in PAGES.items():
        for name in names:
            for value in ODD_VALUES:
                response = client.get(path.format(ref=world.restricted), params={name: value})
                if response.status_code >= 500:
                    failures.append((path, name, value[:20], response.status_code))
    for value in ("%00", "%E2%80%AE", "INC-2026-0001%00", "x" * 10_000, "%25", "..%2F..%2Fetc"):
        for path in ("/incidents/{}", "/incidents/{}/review", "/export/{}.csv"):
            response = client.get(path.format(value))
            if response.status_code >= 500:
                failures.append((path, value[:20], response.status_code))
    assert failures == []


def test_the_calendars_last_day_is_a_date_like_any_other(sign_in: SignIn, world: World) -> None:
    """The probe: ``/web/incidents?to=9999-12-31`` (and the CSV export) answered 500: the day after it overflows."""
    client = sign_in(world.bob)
    page = client.get("/incidents", params={"from": "0001-01-01", "to": "9999-12-31"})
    csv = client.get("/export/incidents.csv", params={"to": "9999-12-31"})
    assert page.status_code == csv.status_code == 200
    assert world.standard in page.text and world.standard in csv.text
    assert "is not a date" not in page.text


def test_a_period_in_unicode_digits_is_refused_not_a_crash(sign_in: SignIn, world: World) -> None:
    """The probe: ``/web/trends?weeks=²`` answered 500 (``'²'.isdigit()`` is true, ``int('²')`` raises)."""
    client = sign_in(world.bob)
    for path in ("/trends", "/export/clocks.csv"):
        for value in ("²", "١٣", "7", "9" * 5000):
            response = client.get(path, params={"weeks": value})
            assert response.status_code == 400, (path, value)
            assert "13, 26 or 52" in response.text
    assert client.get("/trends", params={"weeks": "13"}).status_code == 200


def test_every_error_page_carries_the_security_headers(
    sign_in: SignIn, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe: the 500 page carried none of the headers the other pages have."""
    client = sign_in(world.bob)

    def broken(*_args: Any, **_kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("a bug nobody has found yet")

    monkeypatch.setattr(web.pages.incident, "incident_view", broken)
    answers = {
        "no such page": client.get("/nowhere"),
        "no such incident": client.get("/incidents/INC-2026-0999"),
        "wrong method": client.post("/incidents"),
        "bad query": client.get("/trends", params={"weeks": "²"}),
        "a bug": client.get(f"/incidents/{world.standard}"),
    }
    assert {what: r.status_code for what, r in answers.items()} == {
        "no such page": 404,
        "no such incident": 404,
        "wrong method": 405,
        "bad query": 400,
        "a bug": 500,
    }
    for what, response in answers.items():
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (what, name)
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp, what
        assert response.headers["content-type"].startswith("text/html"), what
    bug = answers["a bug"].text
    assert "Something went wrong" in bug and "a bug nobody has found yet" not in bug and "Traceback" not in bug
