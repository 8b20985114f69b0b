"""Review fixtures: the realistic scenario incident (see :mod:`tests.reviews.scenario`) and the templates."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from incidents.context import Domain
from incidents.reviews import Audience, Format, ReviewTemplates, load_templates, render_review
from incidents.timesource import ManualTime
from tests.reviews.scenario import build_incident

Render = Callable[..., str]


@pytest.fixture(scope="session")
def templates() -> ReviewTemplates:
    return load_templates()


@pytest.fixture
def incident_ref(domain: Domain, time_source: ManualTime) -> str:
    return build_incident(domain, time_source)


@pytest.fixture
def render(domain: Domain, templates: ReviewTemplates) -> Render:
    """``render(ref, fmt, audience, actor=..., templates=...)`` in its own unit of work."""

    def _render(
        ref: str,
        fmt: str = "html",
        audience: str = "team",
        *,
        actor: str = "U0BONGANI",
        using: ReviewTemplates | None = None,
    ) -> str:
        with domain.unit() as ctx:
            return render_review(
                ctx, ref, actor=actor, audience=Audience(audience), fmt=Format(fmt), templates=using or templates
            )

    return _render
