"""Pages through Jira Service Management (the emulator's JSM alert API, over loopback HTTPS): a ``provider: jsm``
service gets one alert per incident whatever JSM does, with the same neutral words as a PagerDuty page, closed with
the incident; a refusal is told once; pages of one incident go to each service's own provider."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from emulators.pagerduty.jsm_state import Alert
from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Severity, Tier
from incidents.paging import service as paging_service
from incidents.paging.jsm import ALERTS_PATH
from incidents.paging.models import Page
from incidents.paging.wiring import build_pager
from incidents.settings import Settings
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.paging.conftest import Account, Channel, Jsm, events_sent, jsm_settings, page_entries, settle, wire

LINK = "https://vigil.example.org/web/incidents/{ref}"


def alerts_sent(account: Account) -> list[int | None]:
    """The status of each create-alert request the emulator saw."""
    return [r.status for r in account.emu.requests if r.path == ALERTS_PATH]


def one_alert(account: Account) -> Alert:
    [alert] = account.emu.jsm_alerts
    return alert


def test_a_sev1_creates_one_jsm_alert_saying_only_the_neutral_name(
    jsm: Jsm, account: Account, time_source: ManualTime
) -> None:
    ref = declared_ref(
        jsm.domain,
        severity=Severity.SEV1,
        types=["child_safety"],
        tier=Tier.HIGHLY_RESTRICTED,
        region="EMEA",
        roles={"legal": "U_LEE"},
        title="Dana Whitfield groomed by @dana_w",
        summary="Reported by dana@example.com, +44 7700 900123.",
    )
    settle(jsm.dispatcher, time_source)
    alert = one_alert(account)
    assert (alert.alias, alert.priority, alert.source, alert.status) == (f"{ref}/default", "P1", "Vigil", "open")
    assert alert.message == f"{ref} · Child safety · SEV1 · EMEA"
    assert alert.details == {
        "incident": ref,
        "severity": "SEV1",
        "tier": "highly_restricted",
        "status": "declared",
        "link": LINK.format(ref=ref),
    }
    assert (alert.description, alert.notes, alert.tags, alert.entity) == ("", [], [], "")
    assert not [p for p in ("Dana", "dana", "7700", "groomed") if p in str(alert)]
    assert alerts_sent(account) == [202] and events_sent(account) == [], "JSM only: nothing went to PagerDuty"
    with jsm.domain.unit() as ctx:
        [page] = ctx.session.scalars(select(Page))
        assert (page.provider, page.state.value, page.dedup_key) == ("jsm", "sent", f"{ref}/default")
        assert page.sent_at == time_source.now()


def test_a_long_title_is_clipped_to_jsms_message_limit(jsm: Jsm, account: Account, time_source: ManualTime) -> None:
    ref = declared_ref(jsm.domain, severity=Severity.SEV2, title=("Scam wave " * 15).strip())
    with jsm.domain.unit() as ctx:
        paging_service.page(ctx, ref, service=None, actor="U_ALICE", reason="by hand")
    settle(jsm.dispatcher, time_source)
    alert = one_alert(account)
    assert len(alert.message) == 130 and alert.message.startswith(f"{ref} · Scam wave") and alert.message[-1] == "…"
    assert alert.priority == "P2"


def test_jsm_500s_then_success_create_one_alert(jsm: Jsm, account: Account, time_source: ManualTime) -> None:
    account.emu.fail_next(2, status=500, route=ALERTS_PATH)
    ref = declared_ref(jsm.domain, severity=Severity.SEV1)
    settle(jsm.dispatcher, time_source)
    assert alerts_sent(account) == [500, 500, 202]
    assert one_alert(account).alias == f"{ref}/default"


def test_a_lost_answer_still_makes_one_alert(jsm: Jsm, account: Account, time_source: ManualTime) -> None:
    account.emu.lose_answer_next(1, route=ALERTS_PATH)
    declared_ref(jsm.domain, severity=Severity.SEV0)
    settle(jsm.dispatcher, time_source)
    assert alerts_sent(account) == [None, 202]
    alert = one_alert(account)
    assert (alert.count, alert.priority) == (2, "P1"), "the retry was de-duplicated by its alias"


def test_an_outage_is_told_as_late_naming_jsm(
    jsm: Jsm, account: Account, channel: Channel, time_source: ManualTime
) -> None:
    account.emu.go_down()
    declared_ref(jsm.domain, severity=Severity.SEV1)
    for _ in range(3):
        jsm.dispatcher.drain()
        time_source.advance(timedelta(minutes=1))
    late = "The page to Trust & Safety on-call is late: Jira Service Management is not answering; Vigil keeps trying."
    assert channel.posts == [late]
    account.emu.come_up()
    settle(jsm.dispatcher, time_source)
    assert len(account.emu.jsm_alerts) == 1
    assert channel.posts[1].startswith("The page to Trust & Safety on-call went through")


def test_resolving_the_incident_closes_the_alert(jsm: Jsm, account: Account, time_source: ManualTime) -> None:
    ref = declared_ref(jsm.domain, severity=Severity.SEV1)
    settle(jsm.dispatcher, time_source)
    with jsm.domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    settle(jsm.dispatcher, time_source)
    assert one_alert(account).status == "closed"
    close = f"{ALERTS_PATH}/{ref}/default/close"
    assert [r.status for r in account.emu.requests if r.path == close] == [202]
    with jsm.domain.unit() as ctx:
        assert [p.state.value for p in ctx.session.scalars(select(Page))] == ["resolved"]


def test_a_422_is_told_once_and_not_retried(
    jsm: Jsm, account: Account, channel: Channel, time_source: ManualTime
) -> None:
    account.emu.fail_next(1, status=422, route=ALERTS_PATH)
    ref = declared_ref(jsm.domain, severity=Severity.SEV1)
    settle(jsm.dispatcher, time_source)
    time_source.advance(timedelta(minutes=10))
    settle(jsm.dispatcher, time_source)
    refused = (
        "Jira Service Management refused the page to Trust & Safety on-call (422: Internal Server Error); nobody was "
        "paged. Check its key (VIGIL_JSM_API_KEY or VIGIL_JSM_API_KEYS)."
    )
    assert channel.posts == [refused]
    assert page_entries(jsm.domain, ref)[1:] == [refused]
    assert alerts_sent(account) == [422] and account.emu.jsm_alerts == []
    with jsm.domain.unit() as ctx:
        [page] = ctx.session.scalars(select(Page))
        assert (page.state.value, page.sent_at, page.last_error) == ("queued", None, "422: Internal Server Error")


def test_an_unknown_key_is_refused_in_jsms_words(
    paging: Domain, account: Account, channel: Channel, time_source: ManualTime
) -> None:
    settings = jsm_settings(account, jsm_api_key="4b1d5a56-6f1e-4c59-9a55-6bd2b2b6a111")
    wired = wire(paging, settings, account, channel, time_source)
    declared_ref(wired.domain, severity=Severity.SEV1)
    settle(wired.dispatcher, time_source)
    assert alerts_sent(account) == [401]
    assert channel.posts == [
        "Jira Service Management refused the page to Trust & Safety on-call (401: Could not authenticate); nobody was "
        "paged. Check its key (VIGIL_JSM_API_KEY or VIGIL_JSM_API_KEYS)."
    ]


def test_an_escalation_goes_to_the_next_services_own_provider(
    jsm: Jsm, account: Account, channel: Channel, time_source: ManualTime
) -> None:
    ref = declared_ref(jsm.domain, severity=Severity.SEV1)
    settle(jsm.dispatcher, time_source)
    time_source.advance(timedelta(minutes=5))
    settle(jsm.dispatcher, time_source)
    assert one_alert(account).alias == f"{ref}/default"
    [incident] = account.emu.incidents
    assert (incident.service, incident.dedup_key) == (account.leads, f"{ref}/leads")
    with jsm.domain.unit() as ctx:
        rows = [(p.service, p.provider, p.state.value) for p in ctx.session.scalars(select(Page).order_by(Page.id))]
    assert rows == [("default", "jsm", "escalated"), ("leads", "pagerduty", "sent")]


def test_with_no_key_nothing_is_paged(
    paging: Domain, account: Account, channel: Channel, time_source: ManualTime
) -> None:
    settings = Settings(jsm_api_url=account.emu.url, web_base_url="https://vigil.example.org")
    wired = wire(paging, settings, account, channel, time_source)
    assert wired.domain.paging == frozenset() and build_pager(paging, settings) is None
    declared_ref(wired.domain, severity=Severity.SEV1)
    settle(wired.dispatcher, time_source)
    assert account.emu.requests == [] and account.emu.jsm_alerts == []
    with wired.domain.unit() as ctx:
        assert list(ctx.session.scalars(select(Page))) == []
