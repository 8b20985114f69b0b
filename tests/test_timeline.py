from datetime import timedelta

import pytest

from incidents import lifecycle, timeline
from incidents.context import Domain
from incidents.enums import Severity, Status, TimelineKind
from incidents.errors import NotFound, VigilError
from incidents.queries import incident_to_show
from tests.helpers import declared_ref


def test_notes_can_be_back_dated_and_marked_sensitive(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    earlier = time_source.now() - timedelta(hours=2)
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U_A", text="First report came in", at=earlier)
        timeline.add_note(ctx, ref, actor="U_A", text="Describes the assault", sensitive=True)
    with domain.unit() as ctx:
        entries = incident_to_show(ctx, ref).timeline
        assert entries[0].text == "First report came in" and entries[0].at == earlier
        assert entries[-1].sensitive is True and entries[-1].kind is TimelineKind.NOTE
    with pytest.raises(VigilError, match="future"), domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U_A", text="x", at=time_source.now() + timedelta(minutes=1))
    with pytest.raises(VigilError, match="note is required"), domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U_A", text="   ")


def test_captured_messages_are_kept_once_and_can_be_removed(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    said_at = time_source.now() - timedelta(minutes=3)
    capture = {
        "author": "U_BOB",
        "text": "Police on site",
        "at": said_at,
        "external_id": "C1:1700000000.0001",
        "permalink": "https://example.slack.com/archives/C1/p1700000000000001",
    }
    with domain.unit() as ctx:
        assert timeline.capture_message(ctx, ref, actor="U_A", **capture) is not None
        assert timeline.capture_message(ctx, ref, actor="U_C", **capture) is None
    with domain.unit() as ctx:
        entry = next(e for e in incident_to_show(ctx, ref).timeline if e.kind is TimelineKind.MESSAGE)
        assert (entry.author, entry.at, entry.source_url) == ("U_BOB", said_at, capture["permalink"])
    with domain.unit() as ctx:
        assert timeline.remove_captured(ctx, ref, actor="U_A", external_id="C1:1700000000.0001") is True
        assert timeline.remove_captured(ctx, ref, actor="U_A", external_id="C1:1700000000.0001") is False
    with domain.unit() as ctx:
        assert all(e.kind is not TimelineKind.MESSAGE for e in incident_to_show(ctx, ref).timeline)


def test_status_update_sets_next_due_from_the_severity_cadence(domain: Domain, time_source) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        update = timeline.post_update(
            ctx,
            ref,
            actor="U_A",
            summary="Host moved to safety",
            status=Status.MITIGATED,
            impact="one host",
            next_steps="follow up with police",
        )
        assert update.next_update_due == time_source.now() + timedelta(minutes=60)
        assert incident_to_show(ctx, ref).status is Status.MITIGATED
    with domain.unit() as ctx:
        lifecycle.change_severity(ctx, ref, actor="U_A", severity=Severity.SEV3, reason="contained")
        update = timeline.post_update(ctx, ref, actor="U_A", summary="Quiet")
        assert update.next_update_due == time_source.now() + timedelta(days=1)
        custom = timeline.post_update(ctx, ref, actor="U_A", summary="x", next_update_in=timedelta(minutes=15))
        assert custom.next_update_due == time_source.now() + timedelta(minutes=15)


def test_status_update_that_resolves_needs_no_next_update(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        update = timeline.post_update(ctx, ref, actor="U_A", summary="All clear", status=Status.RESOLVED)
        assert update.next_update_due is None
    with pytest.raises(VigilError, match="needs no more updates"), domain.unit() as ctx:
        timeline.post_update(ctx, ref, actor="U_A", summary="again")


def test_status_update_refusals_write_nothing(domain: Domain) -> None:
    ref = declared_ref(domain)
    with pytest.raises(VigilError, match="summary is required"), domain.unit() as ctx:
        timeline.post_update(ctx, ref, actor="U_A", summary="")
    with pytest.raises(VigilError, match="must be in the future"), domain.unit() as ctx:
        timeline.post_update(ctx, ref, actor="U_A", summary="x", status=Status.MITIGATED, next_update_in=timedelta(0))
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.status is Status.DECLARED and incident.updates == []


def test_entry_visibility_for_reviews(domain: Domain) -> None:
    ref = declared_ref(domain)
    with domain.unit() as ctx:
        entry_id = timeline.add_note(ctx, ref, actor="U_A", text="side chatter").id
    with domain.unit() as ctx:
        entry = timeline.set_entry_visibility(ctx, ref, actor="U_A", entry_id=entry_id, in_review=False, sensitive=True)
        assert (entry.in_review, entry.sensitive) == (False, True)
    with pytest.raises(NotFound), domain.unit() as ctx:
        timeline.set_entry_visibility(ctx, ref, actor="U_A", entry_id=424242, in_review=False)
