"""What a page carries to a lock screen: planted personal data never reaches it.

A restricted incident's page names it only by its neutral name and reference, with the link to Vigil; a standard
incident's page carries its title as leadership sees it (personal data masked).
"""

from __future__ import annotations

import json

from incidents.context import Domain
from incidents.enums import Severity, Tier
from incidents.paging.content import page_content
from incidents.parties import service as parties
from incidents.parties.models import PartyRole
from incidents.queries import incident_to_show
from incidents.settings import Settings
from tests.helpers import declared_ref

WEB = Settings(web_base_url="https://vigil.example.org")
PLANTED = ("Dana Whitfield", "dana.whitfield@example.com", "+44 7700 900123", "@dana_w", "groomed", "1234567")


def planted(domain: Domain, **overrides: object) -> str:
    ref = declared_ref(
        domain,
        title="Dana Whitfield groomed by @dana_w",
        summary="Reporter dana.whitfield@example.com called from +44 7700 900123; subject @dana_w, account 1234567.",
        **overrides,
    )
    with domain.unit() as ctx:
        parties.add_party(
            ctx,
            ref,
            actor="U_ALICE",
            role=PartyRole.SUBJECT_ACCOUNT,
            name="Dana Whitfield",
            handle="dana_w",
            account_id="1234567",
        )
    return ref


def event_text(domain: Domain, ref: str) -> str:
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        return json.dumps(page_content(incident, ctx.policy, WEB).as_event(), ensure_ascii=False)


def test_a_restricted_page_carries_only_the_neutral_name_and_the_link(domain: Domain) -> None:
    ref = planted(domain, types=["child_safety"], severity=Severity.SEV1, region="EMEA", roles={"legal": "U_LEE"})
    with domain.unit() as ctx:
        event = page_content(incident_to_show(ctx, ref), ctx.policy, WEB).as_event()
    assert event == {
        "payload": {
            "summary": f"{ref} · Child safety · SEV1 · EMEA",
            "source": "Vigil",
            "severity": "critical",
            "custom_details": {
                "incident": ref,
                "severity": "SEV1",
                "tier": "highly_restricted",
                "status": "declared",
                "link": f"https://vigil.example.org/web/incidents/{ref}",
            },
        },
        "links": [{"href": f"https://vigil.example.org/web/incidents/{ref}", "text": f"{ref} in Vigil"}],
    }


def test_a_standard_page_carries_the_title_masked(domain: Domain) -> None:
    ref = planted(domain, types=["fraud_scam"], severity=Severity.SEV2, tier=Tier.STANDARD)
    text = event_text(domain, ref)
    assert [p for p in PLANTED if p.casefold() in text.casefold()] == ["groomed"]
    with domain.unit() as ctx:
        content = page_content(incident_to_show(ctx, ref), ctx.policy, None)
    assert (
        content.summary.startswith(f"{ref} · ")
        and content.summary.endswith(" · SEV2")
        and " groomed by " in content.summary
    )
    assert (content.severity, content.links, "link" in content.custom_details) == ("error", [], False)


def test_severities_map_to_the_events_api(domain: Domain) -> None:
    seen = {}
    for severity in Severity:
        ref = declared_ref(domain, severity=severity, types=["fraud_scam"])
        with domain.unit() as ctx:
            seen[severity.value] = page_content(incident_to_show(ctx, ref), ctx.policy, WEB).severity
    assert seen == {"SEV0": "critical", "SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info"}
