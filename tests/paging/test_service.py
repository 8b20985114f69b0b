"""The paging verbs as the database sees them: which pages are recorded, what the timeline says, and which
deliveries wait in the outbox. PagerDuty itself is in the other tests (through its emulator)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from incidents import lifecycle
from incidents.context import Domain
from incidents.enums import Severity
from incidents.errors import VigilError
from incidents.outbox import Topic
from incidents.paging import service as paging_service
from incidents.paging.models import Page
from incidents.timesource import ManualTime
from tests.helpers import count, declared_ref, outbox_topics
from tests.paging.conftest import PageRow, page_entries, pages, queued


def test_a_sev1_declare_pages_the_default_service_once(paging: Domain) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    assert pages(paging) == [PageRow("default", "queued", 0, f"{ref}/default")]
    assert [m.payload for m in queued(paging, Topic.PAGE_TRIGGER)] == [{"page_id": 1}]
    assert page_entries(paging, ref) == ["Paging Trust & Safety on-call: the policy pages SEV1 at declare."]


def test_a_sev3_declare_pages_nobody(paging: Domain) -> None:
    declared_ref(paging, severity=Severity.SEV3)
    assert pages(paging) == []
    assert Topic.PAGE_TRIGGER not in outbox_topics(paging)


def test_with_no_paging_service_configured_nothing_is_recorded(domain: Domain) -> None:
    ref = declared_ref(domain, severity=Severity.SEV0)
    assert count(domain, Page) == 0
    assert not [t for t in outbox_topics(domain) if t.startswith("page.")]
    with domain.unit() as ctx, pytest.raises(VigilError, match="Paging is not configured"):
        paging_service.page(ctx, ref, service=None, actor="U_ALICE", reason="help")


def test_paging_by_hand_is_idempotent_per_service(paging: Domain) -> None:
    ref = declared_ref(paging, severity=Severity.SEV2)
    with paging.unit() as ctx:
        first = paging_service.page(ctx, ref, service="T&S leads", actor="U_ALICE", reason="need a lead")
    with paging.unit() as ctx:
        again = paging_service.page(ctx, ref, service="leads", actor="U_BOB", reason="again")
    assert (first.new, again.new) == (True, False)
    assert pages(paging) == [PageRow("leads", "queued", 0, f"{ref}/leads")]
    assert len(queued(paging, Topic.PAGE_TRIGGER)) == 1
    assert page_entries(paging, ref) == ["Paging T&S leads: need a lead."]


def test_an_unknown_service_is_refused_naming_the_known_ones(paging: Domain) -> None:
    ref = declared_ref(paging, severity=Severity.SEV2)
    with paging.unit() as ctx, pytest.raises(VigilError) as refused:
        paging_service.page(ctx, ref, service="legal", actor="U_ALICE", reason="x")
    assert refused.value.message == (
        "Unknown paging service 'legal': page one of default (Trust & Safety on-call), leads (T&S leads)."
    )
    assert pages(paging) == []


def test_resolving_the_incident_resolves_its_open_pages(paging: Domain) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    with paging.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
    assert [p.state for p in pages(paging)] == ["resolved"]
    assert len(queued(paging, Topic.PAGE_RESOLVE)) == 1
    with paging.unit() as ctx:
        lifecycle.close(ctx, ref, actor="U_ALICE")
    assert len(queued(paging, Topic.PAGE_RESOLVE)) == 1


@pytest.mark.parametrize("read_first", [False, True], ids=["page-unread", "page-read-before"])
def test_a_trigger_recorded_sent_while_its_incident_resolves_leaves_the_page_resolved(
    paging: Domain, read_first: bool
) -> None:
    """The trigger's handler records the page sent while a resolution is being committed (two replicas): it waits
    for the resolution and resolves the page again rather than writing "sent" over it, also when it read the page
    before (as the handler does, to know whether to look up who is on call)."""
    ref = declared_ref(paging, severity=Severity.SEV1)
    recorded = threading.Event()
    with paging.unit() as ctx:
        ctx.lock_incident(ref=ref)
        lifecycle.resolve(ctx, ref, actor="U_ALICE")
        ctx.session.flush()

        def record_sent() -> None:
            with paging.unit() as other:
                read = other.session.get(Page, 1) if read_first else None  # held, as the handler holds it
                paging_service.sent(other, 1, at=other.now())
                del read
            recorded.set()

        sender = threading.Thread(target=record_sent)
        sender.start()
        assert not recorded.wait(0.5)
    sender.join(30)
    assert [p.state for p in pages(paging)] == ["resolved"]
    assert len(queued(paging, Topic.PAGE_RESOLVE)) == 2


def test_the_acknowledgement_deadline_is_queued_for_the_target(paging: Domain, time_source: ManualTime) -> None:
    declared_ref(paging, severity=Severity.SEV1)
    sent_at = time_source.now() + timedelta(seconds=3)
    with paging.unit() as ctx:
        paging_service.sent(ctx, 1, at=sent_at)
        paging_service.sent(ctx, 1, at=sent_at + timedelta(minutes=1))
    [due] = queued(paging, Topic.PAGE_ACK_DUE)
    assert due.available_at == sent_at + timedelta(minutes=5)
    assert [p.state for p in pages(paging)] == ["sent"]


def test_an_acknowledgement_is_recorded_once(paging: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    with paging.unit() as ctx:
        paging_service.sent(ctx, 1, at=time_source.now())
    for _ in range(2):
        with paging.unit() as ctx:
            paging_service.acknowledged(
                ctx, f"{ref}/default", by="Sam Lee", at=time_source.now() + timedelta(minutes=2)
            )
    with paging.unit() as ctx:
        assert paging_service.acknowledged(ctx, "INC-1999-0001/default", by="X", at=time_source.now()) is None
        page = ctx.session.get(Page, 1)
        assert page is not None and page.acknowledged_by == "Sam Lee"
        assert page.incident.acknowledged_at == time_source.now() + timedelta(minutes=2)
    assert page_entries(paging, ref)[-1] == "Acknowledged by Sam Lee via PagerDuty"
    assert len(page_entries(paging, ref)) == 2
    with paging.unit() as ctx:
        assert paging_service.ack_due(ctx, 1) is None
    assert [p.service for p in pages(paging)] == ["default"]


def test_no_acknowledgement_in_time_escalates_to_the_next_service(paging: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    with paging.unit() as ctx:
        paging_service.sent(ctx, 1, at=time_source.now())
    time_source.advance(timedelta(minutes=5))
    for _ in range(2):
        with paging.unit() as ctx:
            paging_service.ack_due(ctx, 1)
    assert pages(paging) == [
        PageRow("default", "escalated", 0, f"{ref}/default"),
        PageRow("leads", "queued", 1, f"{ref}/leads"),
    ]
    assert page_entries(paging, ref)[-1] == (
        "Nobody acknowledged the page to Trust & Safety on-call sent at 12:00 UTC within 5 min; paging T&S leads."
    )
    with paging.unit() as ctx:
        paging_service.sent(ctx, 2, at=time_source.now())
    time_source.advance(timedelta(minutes=5))
    with paging.unit() as ctx:
        assert paging_service.ack_due(ctx, 2) is None
    assert page_entries(paging, ref)[-1] == (
        "Nobody acknowledged the page to T&S leads sent at 12:05 UTC within 5 min; the policy names nobody further "
        "to page."
    )


def test_a_late_page_is_told_once_and_its_delivery_too(paging: Domain, time_source: ManualTime) -> None:
    ref = declared_ref(paging, severity=Severity.SEV1)
    for _ in range(2):
        with paging.unit() as ctx:
            paging_service.late(ctx, 1, error="503")
    time_source.advance(timedelta(minutes=4))
    with paging.unit() as ctx:
        paging_service.sent(ctx, 1, at=time_source.now())
    assert page_entries(paging, ref)[1:] == [
        "The page to Trust & Safety on-call is late: PagerDuty is not answering; Vigil keeps trying.",
        "The page to Trust & Safety on-call went through at 12:04 UTC, 4 min late.",
    ]
