"""Paging one person through PagerDuty's REST API (its emulator, over loopback HTTPS, with the official client): an
incident assigned to their PagerDuty user, found by e-mail, opened once per incident and person whatever PagerDuty
does, saying only what any page may say, acknowledged and resolved like any page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from emulators.pagerduty import Incident as PagerDutyIncident
from incidents import lifecycle
from incidents.context import Domain
from incidents.dispatcher import Dispatcher
from incidents.enums import Severity, Tier
from incidents.errors import VigilError
from incidents.paging import service as paging_service
from incidents.paging.delivery import Pager
from incidents.paging.models import Page
from incidents.paging.wiring import build_pager
from incidents.people import name_person
from incidents.settings import Settings
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.paging.conftest import (
    SECRET,
    Account,
    Channel,
    make_dispatcher,
    page_entries,
    pagerduty_settings,
    pages,
    settle,
)
from web.app import build_web_app
from web.pagerduty_webhook import pagerduty_webhook_router
from web.server import WebServer

SAM = "sam.lee@example.org"
PAGED_AS = "vigil@example.org"
CREATE = "/incidents"


@pytest.fixture
def settings(account: Account) -> Settings:
    """PagerDuty's settings, person pages opened as a ``Vigil`` user of the account."""
    account.emu.add_user("Vigil", PAGED_AS)
    return pagerduty_settings(account, pagerduty_from_email=PAGED_AS)


def page_person(domain: Domain, settings: Settings, ref: str, person: str = SAM) -> paging_service.Paged:
    with domain.unit() as ctx:
        return paging_service.page_person(ctx, ref, person=person, actor="U_ALICE", reason="by hand", settings=settings)


def creates(account: Account) -> list[int | None]:
    """The status of each ``POST /incidents`` the emulator saw."""
    return [r.status for r in account.emu.requests if r.method == "POST" and r.path == CREATE]


def only_incident(account: Account) -> PagerDutyIncident:
    [incident] = account.emu.incidents
    return incident


def test_paging_a_person_opens_one_incident_assigned_to_them_that_says_only_the_neutral_name(
    paging: Domain,
    settings: Settings,
    account: Account,
    dispatcher: Dispatcher,
    channel: Channel,
    time_source: ManualTime,
) -> None:
    ref = declared_ref(
        paging,
        severity=Severity.SEV2,
        types=["child_safety"],
        tier=Tier.HIGHLY_RESTRICTED,
        region="EMEA",
        roles={"legal": "U_LEE"},
        title="Dana Whitfield groomed by @dana_w",
        summary="Reported by dana@example.com, +44 7700 900123.",
    )
    paged = page_person(paging, settings, ref)
    assert (paged.new, paged.label) == (True, "sam.lee@example.org")
    settle(dispatcher, time_source)
    incident = only_incident(account)
    assert (incident.service, incident.assignees, incident.urgency) == (account.default, [account.sam], "high")
    assert incident.created_by is not None and incident.created_by.email == PAGED_AS
    assert incident.summary == f"{ref} · Child safety · SEV2 · EMEA"
    assert incident.details == (
        f"incident: {ref}\nseverity: SEV2\ntier: highly_restricted\nstatus: declared\n"
        f"link: https://vigil.example.org/web/incidents/{ref}"
    )
    said = f"{incident.summary} {incident.details} {incident.custom_details} {incident.links}"
    assert not [p for p in ("Dana", "dana", "7700", "groomed") if p in said]
    with paging.unit() as ctx:
        [page] = ctx.session.scalars(select(Page))
        assert (page.state.value, page.provider, page.dedup_key) == ("sent", "pagerduty", incident.dedup_key)
        assert SAM not in page.dedup_key and page.on_call == [{"name": SAM, "email": SAM}]
    assert page_entries(paging, ref) == ["Paging sam.lee@example.org: by hand."]

    again = page_person(paging, settings, ref, person="Sam.Lee@example.org")
    assert (again.new, again.page.state.value) == (False, "sent")
    settle(dispatcher, time_source)
    assert creates(account) == [201] and len(account.emu.incidents) == 1


def test_a_person_vigil_knows_is_named_and_found_by_their_e_mail(
    paging: Domain, settings: Settings, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    with paging.unit() as ctx:
        name_person(ctx, "U_SAM", display_name="Sam Lee", email=SAM)
    ref = declared_ref(paging, severity=Severity.SEV2)
    assert page_person(paging, settings, ref, person="U_SAM").label == "Sam Lee"
    assert page_person(paging, settings, ref, person=SAM).new is False, "one page per person, however named"
    settle(dispatcher, time_source)
    assert only_incident(account).assignees == [account.sam]
    assert page_entries(paging, ref) == ["Paging Sam Lee: by hand."]


def test_a_lost_answer_is_refused_on_retry_and_counts_as_sent(
    paging: Domain, settings: Settings, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    account.emu.lose_answer_next(1, route=CREATE)
    ref = declared_ref(paging, severity=Severity.SEV2)
    page_person(paging, settings, ref)
    settle(dispatcher, time_source)
    assert creates(account) == [None, 400], "PagerDuty refuses a second open incident with the page's key"
    assert only_incident(account).dedup_key.startswith(f"{ref}/@")
    assert [p.state for p in pages(paging)] == ["sent"]


def test_pagerduty_500s_then_success_open_one_incident(
    paging: Domain, settings: Settings, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    account.emu.fail_next(2, status=500, route=CREATE)
    ref = declared_ref(paging, severity=Severity.SEV2)
    page_person(paging, settings, ref)
    settle(dispatcher, time_source)
    assert creates(account) == [500, 500, 201]
    assert len(account.emu.incidents) == 1


def test_a_person_without_a_pagerduty_account_is_told_in_one_line_and_can_be_paged_later(
    paging: Domain,
    settings: Settings,
    account: Account,
    dispatcher: Dispatcher,
    channel: Channel,
    time_source: ManualTime,
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV2)
    page_person(paging, settings, ref, person="bob@example.org")
    settle(dispatcher, time_source)
    assert channel.posts == [
        "Paging bob@example.org: by hand.",
        "bob@example.org has no PagerDuty account (no PagerDuty user has their e-mail address), so nobody was "
        "paged; page their service instead.",
    ]
    assert account.emu.incidents == [] and pages(paging) == []
    bob = account.emu.add_user("Bob Stone", "bob@example.org")
    assert page_person(paging, settings, ref, person="bob@example.org").new
    settle(dispatcher, time_source)
    assert only_incident(account).assignees == [bob]


def test_a_page_pagerduty_refuses_is_told_once_naming_what_to_check(
    paging: Domain, settings: Settings, account: Account, pager: Pager, channel: Channel, time_source: ManualTime
) -> None:
    stranger = settings.model_copy(update={"pagerduty_from_email": "stranger@example.org"})
    refusing = build_pager(paging, stranger, verify=account.emu.ssl_context())
    assert refusing is not None
    ref = declared_ref(paging, severity=Severity.SEV2)
    page_person(paging, stranger, ref)
    settle(make_dispatcher(paging, refusing, channel, time_source), time_source)
    refusing.close()
    assert creates(account) == [400] and account.emu.incidents == []
    assert channel.posts[1:] == [
        "PagerDuty refused the page to sam.lee@example.org (400: The From header must be the e-mail address of a user "
        "of this account); nobody was paged. Check VIGIL_PAGERDUTY_API_TOKEN and VIGIL_PAGERDUTY_FROM_EMAIL."
    ]


def test_acknowledged_in_pagerduty_reaches_the_timeline_and_resolving_resolves_it(
    paging: Domain,
    settings: Settings,
    account: Account,
    dispatcher: Dispatcher,
    channel: Channel,
    time_source: ManualTime,
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV2)
    with WebServer(build_web_app(paging, [pagerduty_webhook_router(paging, SECRET)])) as server:
        account.emu.subscribe(f"{server.url}/pagerduty/webhook", secret=SECRET)
        page_person(paging, settings, ref)
        settle(dispatcher, time_source)
        account.emu.acknowledge(only_incident(account), by=account.sam)
        assert [w.outcome for w in account.emu.wait_for_webhooks(2)] == ["delivered", "delivered"]
        settle(dispatcher, time_source)
        assert "Acknowledged by Sam Lee via PagerDuty" in channel.posts
        with paging.unit() as ctx:
            lifecycle.resolve(ctx, ref, actor="U_ALICE")
        settle(dispatcher, time_source)
        account.emu.wait_for_webhooks(3)
    assert only_incident(account).status == "resolved"
    assert [(r.method, r.status) for r in account.emu.requests if r.path.startswith(f"{CREATE}/")] == [("PUT", 200)]
    assert [p.state for p in pages(paging)] == ["resolved"]
    assert not [e for e in page_entries(paging, ref) if "was resolved in PagerDuty" in e]


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"pagerduty_api_token": None}, "Paging a person needs VIGIL_PAGERDUTY_API_TOKEN"),
        ({"pagerduty_from_email": None}, "Paging a person needs a PagerDuty user to page as"),
    ],
    ids=["no token", "nobody to page as"],
)
def test_what_a_person_page_needs_is_asked_for_in_one_line(
    paging: Domain, settings: Settings, pager: Pager, change: dict[str, object], refusal: str
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV2)
    with pytest.raises(VigilError) as refused:
        page_person(paging, settings.model_copy(update=change), ref)
    assert refused.value.message.startswith(refusal) and "\n" not in refused.value.message
    assert pages(paging) == [] and page_entries(paging, ref) == []


def test_someone_vigil_has_no_e_mail_for_is_refused(paging: Domain, settings: Settings, pager: Pager) -> None:
    ref = declared_ref(paging, severity=Severity.SEV2)
    with pytest.raises(VigilError) as refused:
        page_person(paging, settings, ref, person="U_NOBODY")
    assert refused.value.message == (
        "Vigil does not know U_NOBODY's e-mail address, which PagerDuty knows people by: give their e-mail address, "
        "or page their service."
    )


def test_without_a_pagerduty_service_id_paging_a_person_says_what_to_set(paging: Domain, settings: Settings) -> None:
    """(Without the ``pager`` fixture, no paging service of the pack has its PagerDuty id.)"""
    ref = declared_ref(paging, severity=Severity.SEV2)
    with pytest.raises(VigilError) as refused:
        page_person(paging, settings, ref)
    assert refused.value.message == (
        "Paging a person needs a PagerDuty service to open their page on: give a paging service its "
        "pagerduty_service_id in the policy pack."
    )
