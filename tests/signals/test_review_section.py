"""What the review says of an incident that began as reports and paged someone: the team reads the Signals section
and the times to page and to acknowledge; leadership reads counts by source and type only."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from incidents.context import Domain
from incidents.paging import service as paging
from incidents.paging.models import Page
from incidents.reviews import Audience, Format, load_templates, render_review
from incidents.signals.intake import Report, receive
from incidents.timesource import ManualTime

TEMPLATES = load_templates()


def test_the_review_tells_the_reports_and_the_page(domain: Domain, time_source: ManualTime) -> None:
    domain = replace(domain, paging=frozenset({"default"}))
    calls = [
        Report(source="hotline", type="threat_violence", subject="host-221", external_ref=f"c{n}",
               reporter="+44 20 7946 0958", text="Caller Dana Whitfield says the guest threatened her")
        for n in range(3)
    ]  # fmt: skip
    domain.run(lambda ctx: receive(ctx, calls[:2], actor="api:hotline"))
    time_source.advance(timedelta(minutes=4))
    flag = Report(source="in_app", type="threat_violence", subject="host-221", severity_hint="life:now")
    [answer] = domain.run(lambda ctx: receive(ctx, [flag], actor="api:app"))
    ref = answer.incident_ref
    assert ref is not None
    time_source.advance(timedelta(minutes=1))
    with domain.unit() as ctx:
        page = ctx.session.scalars(select(Page)).one()
        paging.sent(ctx, page.id, at=ctx.now())
        key = page.dedup_key
    time_source.advance(timedelta(minutes=3))
    domain.run(lambda ctx: paging.acknowledged(ctx, key, by="Sam Lee", at=ctx.now()))

    with domain.unit() as ctx:
        team = render_review(ctx, ref, actor="vigil", audience=Audience.TEAM, fmt=Format.MARKDOWN, templates=TEMPLATES)
        leaders = render_review(
            ctx, ref, actor="U0LEADER", audience=Audience.LEADERSHIP, fmt=Format.MARKDOWN, templates=TEMPLATES
        )
        html = render_review(ctx, ref, actor="vigil", audience=Audience.TEAM, fmt=Format.HTML, templates=TEMPLATES)
    assert "## Signals" in team and "3 reports reached this incident: hotline 2, in_app 1" in team
    assert "(by type: Threat of violence 3)" in team
    assert "from the first report to the declare: 4m." in team
    assert "| Time to page | **1m** |" in team and "| Time to acknowledge the page | **3m** |" in team
    assert "3 reports reached this incident: hotline 2, in_app 1" in leaders
    assert "First " not in leaders.split("## Signals")[1].split("##")[0], "leadership reads counts only"
    for secret in ("host-221", "7946", "Dana", "Whitfield"):
        assert secret not in leaders and secret not in team
    assert "<h2>Signals</h2>" in html
