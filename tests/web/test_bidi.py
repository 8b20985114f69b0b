"""Text written before intake removed bidirectional controls (or that reached the database another way) is shown
isolated on the pages and stripped from CSV cells: a right-to-left override never reverses what follows it."""

from __future__ import annotations

import re

from sqlalchemy import select

from incidents.context import Domain
from incidents.models import Incident
from tests.web.conftest import SignIn
from tests.web.scenario import World

RLO = "\u202e"
TITLE = f"Scam wave {RLO}exe.gnp targeting hosts"


def test_a_right_to_left_override_in_a_title_reaches_no_page_and_no_csv(
    sign_in: SignIn, world: World, domain: Domain
) -> None:
    with domain.unit() as ctx:
        ctx.session.scalars(select(Incident).where(Incident.ref == world.standard)).one().title = TITLE
    client = sign_in(world.bob)
    listed, page = client.get("/incidents").text, client.get(f"/incidents/{world.standard}").text
    csv = client.get("/export/incidents.csv").text
    for text in (listed, page, csv):
        assert RLO not in text and "Scam wave exe.gnp targeting hosts" in text
    assert re.search(r'<(bdi|[a-z0-9]+ [^>]*dir="auto")[^>]*>Scam wave exe\.gnp', listed)
    assert re.search(r'<(bdi|[a-z0-9]+ [^>]*dir="auto")[^>]*>Scam wave exe\.gnp', page)
