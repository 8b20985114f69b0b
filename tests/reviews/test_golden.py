"""Golden files: the scenario's review in each format and audience, byte for byte.

Regenerate after an intended change with ``VIGIL_REGEN_GOLDEN=1 .venv/bin/pytest tests/reviews/test_golden.py``
and read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reviews.conftest import Render

GOLDEN = Path(__file__).with_name("golden")
REGENERATE = os.environ.get("VIGIL_REGEN_GOLDEN") == "1"


@pytest.mark.parametrize("audience", ["team", "leadership"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_review_matches_golden_file(incident_ref: str, render: Render, fmt: str, audience: str) -> None:
    rendered = render(incident_ref, fmt, audience)
    path = GOLDEN / f"review.{audience}.{fmt}"
    if REGENERATE:
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with VIGIL_REGEN_GOLDEN=1 to create it"
    assert rendered == path.read_text(encoding="utf-8"), f"{path.name} changed; regenerate if intended"
