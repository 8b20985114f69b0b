"""A review renders whatever the record lacks: no review yet, no actions, no clocks, never resolved."""

from __future__ import annotations

import pytest

from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Severity
from incidents.reviews import ReviewFields, update_review
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


@pytest.mark.parametrize("audience", ["team", "leadership"])
def test_the_impact_names_the_incidents_region_until_the_review_names_its_own(
    domain: Domain, render: Render, audience: str
) -> None:
    """A region is known from the declaration: a review nobody has started yet (one made from the terminal, say)
    shows it; regions the authors write replace it."""
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx, actor="cli:rita", title="Scam wave", types=["fraud_scam"], severity=Severity.SEV2, region="APAC"
        ).ref
    assert "| Regions | APAC |" in render(ref, "md", audience, actor="cli:rita")
    with domain.unit() as ctx:
        update_review(ctx, ref, ReviewFields(regions="APAC, EMEA"), actor="cli:rita")
    assert "| Regions | APAC, EMEA |" in render(ref, "md", audience, actor="cli:rita")
