"""Who sees what: leadership versions name nobody on restricted incidents, leave out sensitive entries and mask
personal data; the team version of a restricted incident is for its members only, and each view is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from incidents import lifecycle, timeline
from incidents.context import Domain
from incidents.enums import Severity
from incidents.errors import VigilError
from incidents.models import AuditEvent
from incidents.people import upsert_person
from tests.reviews.conftest import Render
from tests.reviews.scenario import PEOPLE, PII_MESSAGE, SENSITIVE_TEXT

PII = ("+49 30 1234 5678", "reporter.jane@example.org", "884213", "cases.example.com/case")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_leadership_version_of_restricted_incident_names_nobody(incident_ref: str, render: Render, fmt: str) -> None:
    text = render(incident_ref, fmt, "leadership", actor="U0NOBODY").replace("\\", "")
    for key, (name, email) in PEOPLE.items():
        assert key not in text
        assert email not in text
        for part in name.split():
            assert part not in text, f"{part!r} of {name!r} leaked"
    for pii in PII:
        assert pii not in text
    assert SENSITIVE_TEXT.split(";")[0] not in text
    assert "Live stream" not in text, "a restricted incident's title reaches leadership"
    assert "Suicide or self-harm + Threat of violence · SEV1 · EMEA" in text
    assert "Commander 1" in text and "Commander 2" in text and "Legal" in text
    assert "told from structured facts only" in text
    assert "Severity: SEV2 → SEV1" in text


def test_team_version_shows_names_and_sensitive_entries_behind_a_warning(incident_ref: str, render: Render) -> None:
    text = render(incident_ref, "html", "team")
    assert "Alice Moreau" in text and "Eve Santos" in text
    assert PII_MESSAGE.split(";")[0] in text
    warning, _, rest = text.partition("Content warning: sensitive entry")
    assert rest and SENSITIVE_TEXT.split(";")[0] in rest
    assert '<details class="cw">' in warning[-200:]


def test_team_version_of_restricted_incident_is_refused_to_non_members(
    incident_ref: str, render: Render, domain: Domain
) -> None:
    with pytest.raises(VigilError, match="only its members can see the team version"):
        render(incident_ref, "md", "team", actor="U0OUTSIDER")
    with domain.unit() as ctx:
        views = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.view_unredacted")).all()
    assert views == []


def test_each_unredacted_view_is_audited(incident_ref: str, render: Render, domain: Domain) -> None:
    render(incident_ref, "md", "team", actor="U0CHEN")
    render(incident_ref, "html", "team", actor="U0DANA")
    render(incident_ref, "html", "leadership", actor="U0OUTSIDER")
    with domain.unit() as ctx:
        views = ctx.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "review.view_unredacted").order_by(AuditEvent.id)
        ).all()
    assert [(v.actor, v.details) for v in views] == [("U0CHEN", {"audience": "team"}), ("U0DANA", {"audience": "team"})]


def test_standard_incident_leadership_names_roles_masks_pii_and_drops_sensitive_entries(
    domain: Domain, render: Render
) -> None:
    with domain.unit() as ctx:
        upsert_person(ctx, "U0RITA", display_name="Rita Okafor", email="rita@example.com")
        incident = lifecycle.declare(
            ctx, actor="U0RITA", title="Payment page outage", types=["platform_outage"], severity=Severity.SEV3
        )
        timeline.add_note(ctx, incident.ref, actor="U0RITA", text="Graphic screenshot attached", sensitive=True)
        timeline.add_note(ctx, incident.ref, actor="U0RITA", text="Ping rita@example.com or +1 415 555 0100")
        ref = incident.ref
    text = render(ref, "md", "leadership", actor="U0ANYONE")
    assert "Rita" not in text and "Okafor" not in text and "Commander" in text
    assert "Graphic screenshot" not in text
    assert "rita@example.com" not in text and "555 0100" not in text
    assert "Ping Commander or \\[phone\\]" in text, "a known person's e-mail becomes their role"
    team = render(ref, "md", "team", actor="U0ANYONE")
    assert "Graphic screenshot" in team and "rita@example.com" in team
