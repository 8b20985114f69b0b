"""A review renders whatever the record lacks: no review yet, no actions, no clocks, never resolved."""

from __future__ import annotations

import pytest

from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Severity
from tests.reviews.conftest import Render


@pytest.mark.parametrize("audience", ["team", "leadership"])
def test_bare_open_incident_renders_in_both_formats(domain: Domain, render: Render, audience: str) -> None:
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx, actor="cli:rita", title="Odd login pattern", types=["account_takeover"], severity=Severity.SEV4
        ).ref
    md = render(ref, "md", audience, actor="cli:rita")
    page = render(ref, "html", audience, actor="cli:rita")
    for text in (md, page):
        assert "No clocks ran for this incident." in text
        assert "No corrective actions recorded." in text
        assert "No summary written yet." in text
        assert "Review draft" in text
    assert "| Time to resolve | **—** | declared 2026-11-23 12:00 UTC | resolved not yet |" in md
    assert "| Resolved | — |" in md
    assert "No update was due" in md
    assert "<svg" in page and "</svg>" in page
