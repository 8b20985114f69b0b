"""Signals through the domain: grouping, repeats, thresholds, triage decisions and the coalesced timeline note."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from incidents.context import Domain
from incidents.dispatcher import Dispatcher
from incidents.enums import Severity, Tier, TimelineKind
from incidents.errors import VigilError
from incidents.lifecycle import declare
from incidents.models import Incident, TimelineEntry
from incidents.outbox import OutboxMessage, Topic
from incidents.parties import service as parties
from incidents.parties.models import PartyRole
from incidents.signals.delivery import signal_handlers_only
from incidents.signals.intake import Received, Report, receive
from incidents.signals.models import GroupState, Signal, SignalGroup
from incidents.signals.queries import waiting
from incidents.signals.triage import attach, check_threshold, declare_group, declare_on_threshold, dismiss
from incidents.timesource import ManualTime
from vigil.cli import main

API = "api:hotline"


def report(n: int, **extra: object) -> Report:
    fields: dict[str, object] = {
        "source": "hotline",
        "type": "hate_harassment",
        "subject": "creator-7781",
        "external_ref": f"call-{n}",
        "text": f"Caller {n} reports a pile-on",
        "region": "EMEA",
    }
    fields.update(extra)
    return Report(**fields)  # type: ignore[arg-type]


def send(domain: Domain, *reports: Report) -> list[Received]:
    return domain.run(lambda ctx: receive(ctx, reports, actor=API))


def deliver(domain: Domain, time_source: ManualTime, *, after: timedelta = timedelta(0)) -> None:
    """Deliver what the outbox holds for signals (threshold checks, notes) once ``after`` has passed."""
    dispatcher = Dispatcher(domain.factory, signal_handlers_only(domain), time_source)
    time_source.advance(after)
    dispatcher.drain()


def deliver_notes(domain: Domain, time_source: ManualTime) -> None:
    deliver(domain, time_source, after=timedelta(minutes=1, seconds=1))


def entries(domain: Domain, kind: TimelineKind) -> list[TimelineEntry]:
    with domain.unit() as ctx:
        found = list(ctx.session.scalars(select(TimelineEntry).where(TimelineEntry.kind == kind)))
        ctx.session.expunge_all()
        return found


def count(domain: Domain, model: type) -> int:
    with domain.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(model)) or 0


def test_reports_about_one_subject_form_one_waiting_group_posted_once(domain: Domain) -> None:
    send(domain, report(1), report(2))
    send(domain, report(3, subject="  Creator-7781 "), report(4, source="in_app", external_ref="flag-1"))
    with domain.unit() as ctx:
        [group] = waiting(ctx)
        posts = ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == Topic.SIGNALS_TRIAGE)).all()
    assert (group.count, group.sources, group.region) == (4, {"hotline": 3, "in_app": 1}, "EMEA")
    assert len(posts) == 1, "a waiting group's post is refreshed by one pending row, not one per report"


def test_a_repeat_stores_nothing_and_answers_with_the_first_signal(domain: Domain) -> None:
    [first] = send(domain, report(1))
    again = send(domain, report(1), report(1), report(2))
    assert [r.repeat for r in again] == [True, True, False]
    assert again[0].signal_id == first.signal_id
    assert count(domain, Signal) == 2


def test_a_life_now_hint_declares_at_once_and_notes_every_signal(domain: Domain, time_source: ManualTime) -> None:
    send(domain, report(1), report(2))
    [answer] = send(domain, report(3, severity_hint="life:now"))
    assert answer.state is GroupState.ATTACHED and answer.incident_ref
    with domain.unit() as ctx:
        incident = ctx.session.scalars(select(Incident)).one()
        assert (incident.severity, incident.title) == (Severity.SEV1, "Hate or harassment: reports from hotline")
        assert "creator" not in incident.title.casefold()
    deliver_notes(domain, time_source)
    [note] = entries(domain, TimelineKind.SIGNALS)
    assert note.text.startswith("3 signals from hotline")
    assert note.data["count"] == 3


def test_the_threshold_declares_once_and_later_reports_are_coalesced(domain: Domain, time_source: ManualTime) -> None:
    send(domain, *[report(n) for n in range(49)])
    deliver(domain, time_source)
    assert count(domain, Incident) == 0
    send(domain, report(49))
    deliver(domain, time_source)
    assert count(domain, Incident) == 1
    deliver_notes(domain, time_source)
    for n in range(50, 87):
        send(domain, report(n))
        time_source.advance(timedelta(seconds=2))
    deliver_notes(domain, time_source)
    notes = entries(domain, TimelineKind.SIGNALS)
    assert [n.data["count"] for n in notes] == [50, 37]
    assert notes[1].text == "37 new signals from hotline (first 12:01, last 12:02 UTC)"
    assert count(domain, Incident) == 1


def _threshold_declare_behind_another_declare(domain: Domain, meanwhile: Callable[[int], None]) -> list[str]:
    """A group over the threshold whose declare is queued on the year's reference counter behind another declare
    that has taken its reference and not committed: ``meanwhile(group_id)`` runs while it waits. Returns every
    incident's reference, in the order they were declared."""
    send(domain, *[report(n) for n in range(50)])
    with domain.unit() as ctx:
        [group] = waiting(ctx)
    domain.run(lambda ctx: check_threshold(ctx, group.id))
    declaring = threading.Thread(target=lambda: domain.run(lambda ctx: declare_on_threshold(ctx, group.id)))
    with domain.unit() as other:
        declare(other, actor="U1", title="Unrelated outage", types=["fraud_scam"], severity=Severity.SEV3)
        declaring.start()
        declaring.join(0.3)
        assert declaring.is_alive(), "the signals' declare waits for the counter"
        meanwhile(group.id)
    declaring.join(30)
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(Incident.ref).order_by(Incident.id)))


def test_threshold_checks_while_a_declare_is_on_its_way_queue_no_second_one(domain: Domain) -> None:
    """Checks keep coming while the group's declare waits its turn on the reference counter (every report of a
    wave queues one); each would cost a whole declare, rolled back once the first one lands."""
    send(domain, *[report(n) for n in range(50)])
    with domain.unit() as ctx:
        [group] = waiting(ctx)
    domain.run(lambda ctx: check_threshold(ctx, group.id))
    with domain.unit() as ctx:  # a dispatcher took it: its declare is under way
        taken = ctx.now() + timedelta(seconds=6)
        ctx.session.execute(
            update(OutboxMessage).where(OutboxMessage.topic == Topic.SIGNALS_DECLARE).values(available_at=taken)
        )
    for _ in range(2):
        domain.run(lambda ctx: check_threshold(ctx, group.id))
    with domain.unit() as ctx:
        declares = ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == Topic.SIGNALS_DECLARE)).all()
    assert len(declares) == 1


def test_reports_do_not_wait_for_their_groups_declare_queued_on_the_reference_counter(
    domain: Domain, time_source: ManualTime, backend: str
) -> None:
    """Fifty groups crossing the threshold together queue fifty declares on the counter (references have no gaps);
    a report to one of them is answered at once instead of waiting for every declare ahead of its group's."""
    if backend == "sqlite":
        pytest.skip("SQLite lets one writer in at a time: nothing waits on a row")
    waited: list[float] = []

    def another_report(_group_id: int) -> None:
        started = time.monotonic()
        reporter = threading.Thread(target=lambda: send(domain, report(50)))
        reporter.start()
        reporter.join(10)
        waited.append(time.monotonic() - started)

    refs = _threshold_declare_behind_another_declare(domain, another_report)
    assert waited[0] < 5, "the report waited for the declare"
    assert [ref[-4:] for ref in refs] == ["0001", "0002"]
    deliver_notes(domain, time_source)
    assert [n.data["count"] for n in entries(domain, TimelineKind.SIGNALS)] == [51]


def test_a_group_attached_while_its_threshold_declare_waited_gets_no_incident_and_leaves_no_gap(
    domain: Domain, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite lets one writer in at a time: nothing waits on a row")
    with domain.unit() as ctx:
        pile_on = declare(ctx, actor="U2", title="Pile-on", types=["hate_harassment"], severity=Severity.SEV2)
        pile_on_ref, pile_on_id = pile_on.ref, pile_on.id

    refs = _threshold_declare_behind_another_declare(
        domain, lambda group_id: domain.run(lambda ctx: attach(ctx, group_id, pile_on_ref, actor="U2"))
    )
    assert [ref[-4:] for ref in refs] == ["0001", "0002"], "the declare rolled back took no number"
    with domain.unit() as ctx:
        [group] = ctx.session.scalars(select(SignalGroup)).all()
        assert (group.state, group.incident_id, group.declared) == (GroupState.ATTACHED, pile_on_id, False)


def test_a_group_after_its_window_is_a_new_group(domain: Domain, time_source: ManualTime) -> None:
    send(domain, report(1))
    time_source.advance(timedelta(minutes=61))
    send(domain, report(2))
    assert count(domain, SignalGroup) == 2


def test_attach_dismiss_and_declare_from_triage(domain: Domain, time_source: ManualTime) -> None:
    with domain.unit() as ctx:
        ref = declare(ctx, actor="U1", title="Scam wave", types=["fraud_scam"], severity=Severity.SEV3).ref
    send(domain, report(1, type="fraud_scam"))
    send(domain, report(2, subject="someone-else"))
    send(domain, report(3, subject="third"))
    with domain.unit() as ctx:
        scam, other, third = (g.id for g in sorted(waiting(ctx), key=lambda g: g.id))
    domain.run(lambda ctx: attach(ctx, scam, ref, actor="U1"))
    domain.run(lambda ctx: dismiss(ctx, other, actor="U1", reason="Duplicate of a closed case"))
    declared = domain.run(lambda ctx: declare_group(ctx, third, actor="U1", severity=Severity.SEV2).ref)
    send(domain, report(4, subject="someone-else"))
    with domain.unit() as ctx:
        assert waiting(ctx) == []
        states = dict(ctx.session.execute(select(SignalGroup.id, SignalGroup.state)).all())
    assert states == {scam: GroupState.ATTACHED, other: GroupState.DISMISSED, third: GroupState.ATTACHED}
    assert declared != ref
    with pytest.raises(VigilError, match="already part of"):
        domain.run(lambda ctx: dismiss(ctx, scam, actor="U1", reason="no"))


def test_a_restricted_type_is_not_attached_to_a_standard_incident_until_its_tier_is_raised_as_advised(
    domain: Domain, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with domain.unit() as ctx:
        ref = declare(ctx, actor="U1", title="Wave", types=["hate_harassment"], severity=Severity.SEV3).ref
    send(domain, report(1, type="child_safety"))
    with domain.unit() as ctx:
        [group] = waiting(ctx)
    with pytest.raises(VigilError, match="highly_restricted incident") as refused:
        domain.run(lambda ctx: attach(ctx, group.id, ref, actor="U1"))
    advice = re.search(r"\((vigil tier .*) …\)", refused.value.message)
    assert advice is not None, refused.value.message
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    raised = main(["--as", "U0LEAD", *advice.group(1).split()[1:], "a child in the reports"])
    assert raised == 0, capsys.readouterr().err
    domain.run(lambda ctx: attach(ctx, group.id, ref, actor="U1"))


def test_a_child_safety_declare_is_highly_restricted(domain: Domain) -> None:
    [answer] = send(domain, report(1, type="child_safety", severity_hint="SEV1"))
    with domain.unit() as ctx:
        incident = ctx.session.scalars(select(Incident)).one()
    assert incident.tier is Tier.HIGHLY_RESTRICTED and answer.incident_ref == incident.ref


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"type": "fraud"}, r"signals\[0\]\.type: unknown incident type 'fraud'; use one of threat_violence"),
        ({"region": "MARS"}, r"signals\[0\]\.region: unknown region 'MARS'"),
        ({"severity_hint": "SEV9"}, r"signals\[0\]\.severity_hint: 'SEV9' is neither a severity"),
        ({"severity_hint": "life:someday"}, r"Unknown imminence 'someday'"),
        ({"source": ""}, r"signals\[0\]\.source"),
    ],
)
def test_a_bad_report_is_refused_whole_naming_its_field(domain: Domain, extra: dict[str, str], message: str) -> None:
    with pytest.raises(VigilError, match=message):
        send(domain, report(1, **extra), report(2))
    assert count(domain, Signal) == 0


def test_erasing_a_party_reaches_the_reports_about_them(domain: Domain) -> None:
    with domain.unit() as ctx:
        ref = declare(ctx, actor="U_ALICE", title="Pile-on", types=["hate_harassment"], severity=Severity.SEV3).ref
        parties.add_party(ctx, ref, actor="U_ALICE", role=PartyRole.AFFECTED_PERSON, handle="creator_7781")
    send(domain, report(1, subject="creator_7781", text="Pile-on against creator_7781 since 02:00"))
    with domain.unit() as ctx:
        [group] = waiting(ctx)
    domain.run(lambda ctx: attach(ctx, group.id, ref, actor="U_ALICE"))
    domain.run(lambda ctx: parties.erase_party(ctx, ref, "1", actor="U_ALICE"))
    with domain.unit() as ctx:
        signal = ctx.session.scalars(select(Signal)).one()
    assert "creator_7781" not in f"{signal.subject} {signal.text}"
    assert signal.text == "Pile-on against Affected person since 02:00"
