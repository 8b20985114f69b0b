"""The incident list: paging, filters that do not parse, and the settings the web view refuses to start without."""

from __future__ import annotations

import re

import pytest

from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.enums import Severity
from incidents.errors import ConfigError
from incidents.settings import Settings
from tests.helpers import declare
from tests.web.conftest import SignIn
from web.pages import WebConfig


def test_the_list_pages_by_25_and_reports_filters_it_cannot_read(
    sign_in: SignIn, domain: Domain, emu: SlackEmulator
) -> None:
    reader = emu.add_user("reader", "Reader", "reader@example.com")
    with domain.unit() as ctx:
        for n in range(27):
            declare(ctx, actor="U_ALICE", title=f"Spam burst {n:02d}", types=["fraud_scam"], severity=Severity.SEV4)
    client = sign_in(reader)
    first = client.get("/incidents?severity=SEV4")
    refs = re.findall(r'href="/web/incidents/(INC-\d{4}-\d{4})"', first.text)
    assert len(refs) == 25 and "27 incidents; page 1 of 2" in first.text and "Older" in first.text
    second = client.get("/incidents?severity=SEV4&page=2")
    assert len(re.findall(r'href="/web/incidents/(INC-\d{4}-\d{4})"', second.text)) == 2
    odd = client.get("/incidents?severity=SEV9&from=yesterday&region=Mars")
    assert odd.status_code == 200
    for problem in ("Unknown severity &#39;SEV9&#39;", "&#39;yesterday&#39; is not a date", "Unknown region"):
        assert problem in odd.text


def test_the_web_view_needs_its_secrets() -> None:
    with pytest.raises(ConfigError, match="VIGIL_WEB_SESSION_SECRET"):
        WebConfig.from_settings(Settings(oidc_client_id="id", oidc_client_secret="secret"))
    with pytest.raises(ConfigError, match="at least 32"):
        WebConfig.from_settings(Settings(oidc_client_id="id", oidc_client_secret="s", web_session_secret="short"))
    config = WebConfig.from_settings(
        Settings(
            oidc_client_id="id", oidc_client_secret="s", web_session_secret="x" * 32, web_base_url="https://v.example"
        )
    )
    assert config.discovery_url == "https://slack.com/.well-known/openid-configuration"
    assert config.issuer_is_slack and config.secure_cookies
