"""Pages through PagerDuty (its emulator, over loopback HTTPS, with the official client): sent once per incident and
service whatever PagerDuty does, late but never lost, resolved with the incident, escalated when nobody answers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from emulators.pagerduty.testing import events_client
from incidents import lifecycle
from incidents.context import Domain
from incidents.dispatcher import Dispatcher
from incidents.enums import Severity, Tier
from incidents.outbox import OutboxMessage, Topic
from incidents.paging import service as paging_service
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.paging.conftest import Account, Channel, events_sent, page_entries, pages, settle


def test_a_sev1_declare_pages_the_default_service_once(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1, types=["fraud_scam"], title="Scam wave in listings")
    settle(dispatcher, time_source)
    [incident] = account.emu.incidents
    assert (incident.service, incident.dedup_key, incident.severity) == (account.default, f"{ref}/default", "critical")
    assert incident.summary == f"{ref} · Scam wave in listings · SEV1"
    assert incident.links == [{"href": f"https://vigil.example.org/web/incidents/{ref}", "text": f"{ref} in Vigil"}]
    assert [p.state for p in pages(paging)] == ["sent"]
    assert events_sent(account) == [202]


def test_a_sev3_declare_sends_nothing(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    declared_ref(paging, severity=Severity.SEV3)
    settle(dispatcher, time_source)
    assert account.emu.incidents == [] and events_sent(account) == []


def test_pagerduty_500s_then_success_open_one_incident(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    account.emu.fail_next(2, status=500, route="/v2/enqueue")
    declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    assert len(account.emu.incidents) == 1
    assert events_sent(account) == [500, 500, 202], "one request per try: the client's own retries are off"


def test_a_lost_answer_still_opens_one_incident(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    account.emu.lose_answer_next(1, route="/v2/enqueue")
    ref = declared_ref(paging, severity=Severity.SEV0)
    settle(dispatcher, time_source)
    assert events_sent(account) == [None, 202]
    [incident] = account.emu.incidents
    assert incident.dedup_key == f"{ref}/default" and len(incident.events) == 2


def test_an_outage_delays_the_page_and_the_channel_hears_it_is_late(
    paging: Domain, account: Account, dispatcher: Dispatcher, channel: Channel, time_source: ManualTime
) -> None:
    account.emu.go_down()
    ref = declared_ref(paging, severity=Severity.SEV1)
    for _ in range(4):
        dispatcher.drain()
        time_source.advance(timedelta(minutes=1))
    assert account.emu.incidents == []
    late = "The page to Trust & Safety on-call is late: PagerDuty is not answering; Vigil keeps trying."
    assert channel.posts == [late]
    account.emu.come_up()
    settle(dispatcher, time_source)
    assert len(account.emu.incidents) == 1
    assert channel.posts[0] == late and channel.posts[1].startswith("The page to Trust & Safety on-call went through")
    assert page_entries(paging, ref)[1:3] == channel.posts[:2]


def test_resolving_the_incident_resolves_it_in_pagerduty(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    with paging.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    settle(dispatcher, time_source)
    [incident] = account.emu.incidents
    assert incident.status == "resolved"
    assert [p.state for p in pages(paging)] == ["resolved"]


def test_a_429_is_retried_by_the_outbox(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    account.emu.rate_limit(0)
    declared_ref(paging, severity=Severity.SEV1)
    dispatcher.drain()
    assert events_sent(account) == [429], "the client does not sleep and retry on its own"
    account.emu.rate_limit(120)
    settle(dispatcher, time_source)
    assert len(account.emu.incidents) == 1


def test_nobody_acknowledging_in_time_pages_the_next_service(
    paging: Domain, account: Account, dispatcher: Dispatcher, channel: Channel, time_source: ManualTime
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    sent_at = time_source.now()
    time_source.advance(timedelta(minutes=5))
    settle(dispatcher, time_source)
    assert [i.service for i in account.emu.incidents] == [account.default, account.leads]
    assert account.emu.incidents[1].dedup_key == f"{ref}/leads"
    escalation = (
        f"Nobody acknowledged the page to Trust & Safety on-call sent at {sent_at:%H:%M} UTC within 5 min; "
        "paging T&S leads."
    )
    assert escalation in channel.posts
    assert [(p.service, p.state) for p in pages(paging)] == [("default", "escalated"), ("leads", "sent")]


def test_an_acknowledgement_in_time_stops_the_escalation(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    with paging.unit() as ctx:
        paging_service.acknowledged(ctx, f"{ref}/default", by="Sam Lee", at=time_source.now())
    time_source.advance(timedelta(minutes=6))
    settle(dispatcher, time_source)
    assert [i.service for i in account.emu.incidents] == [account.default]


def test_a_restricted_incidents_page_carries_only_its_neutral_name_and_link(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    ref = declared_ref(
        paging,
        severity=Severity.SEV1,
        types=["child_safety"],
        tier=Tier.HIGHLY_RESTRICTED,
        region="EMEA",
        roles={"legal": "U_LEE"},
        title="Dana Whitfield groomed by @dana_w",
        summary="Reported by dana@example.com, +44 7700 900123.",
    )
    settle(dispatcher, time_source)
    [incident] = account.emu.incidents
    assert incident.summary == f"{ref} · Child safety · SEV1 · EMEA"
    assert incident.custom_details == {
        "incident": ref,
        "severity": "SEV1",
        "tier": "highly_restricted",
        "status": "declared",
        "link": f"https://vigil.example.org/web/incidents/{ref}",
    }
    sent = str([e.body for e in incident.events])
    assert not [p for p in ("Dana", "dana", "7700", "groomed") if p in sent]


def test_who_is_on_call_is_recorded_and_named(
    paging: Domain, account: Account, dispatcher: Dispatcher, channel: Channel, time_source: ManualTime
) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    settle(dispatcher, time_source)
    assert "On call for Trust & Safety on-call: Sam Lee" in channel.posts
    with paging.unit() as ctx:
        [page] = paging_service.pages_of(ctx, 1)
        assert page.on_call == [{"name": "Sam Lee", "email": "sam.lee@example.org"}]
    assert ref


def test_a_trigger_that_reached_pagerduty_after_the_resolve_is_resolved_again(
    paging: Domain, account: Account, dispatcher: Dispatcher, time_source: ManualTime
) -> None:
    """The incident is resolved while the trigger's first try is on its way; PagerDuty takes the resolve first
    (nothing to resolve yet), then the trigger, whose answer is lost. Its retry finds the page resolved: it must
    resolve it at PagerDuty again rather than leave someone's phone ringing for a closed incident."""
    ref = declared_ref(paging, severity=Severity.SEV1)
    with paging.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
        trigger = ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == Topic.PAGE_TRIGGER)).one()
        trigger.attempts, trigger.available_at = 1, ctx.now() + timedelta(minutes=1)  # its first try is out
    dispatcher.drain()  # the resolve: PagerDuty has nothing open under the key yet
    events_client(account.emu, account.default.integration_key).trigger(
        "first try of the trigger", "vigil", dedup_key=f"{ref}/default", severity="critical"
    )
    assert account.emu.incident(f"{ref}/default").status == "triggered"
    settle(dispatcher, time_source)
    assert account.emu.incident(f"{ref}/default").status == "resolved"
