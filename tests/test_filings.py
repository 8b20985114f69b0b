"""Filing packets for the regulatory clocks: a draft fills the fields the regulator asks for from the incident and
lists what is still missing; recording the submission meets the clock, goes on the timeline, the audit log and the
record, and shows in the review; a restricted incident's packet is its members' only; every mistake at the terminal
is one line; the policy pack's packets are checked when it loads."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from incidents import actions, lifecycle, timeline
from incidents.access import Who
from incidents.context import Domain
from incidents.enums import Severity, Tier
from incidents.errors import ConfigError, NotFound
from incidents.filings.facts import FACTS
from incidents.filings.packet import FieldState, Packet
from incidents.filings.service import draft, record_submission
from incidents.models import AuditEvent
from incidents.parties import service as parties
from incidents.parties.models import PartyRole
from incidents.people import name_person
from incidents.policy import load_policy
from incidents.policy.filings import Fact
from incidents.queries import incident_to_show
from incidents.reviews import Audience, ReviewFields, review_document, update_review
from incidents.timesource import ManualTime
from vigil.cli import main

LEGAL, OUTSIDER = "U0LEGAL", "U0OUTSIDER"


def _breach(domain: Domain, *, tier: Tier = Tier.RESTRICTED) -> str:
    """A data breach (GDPR Art. 33 clock) with a legal role holder, an update saying the impact, and an action."""
    with domain.unit() as ctx:
        name_person(ctx, LEGAL, display_name="Dana Whitfield", email="dpo@example.org")
        ref = lifecycle.declare(
            ctx,
            actor="U0ALICE",
            title="Booking exports in a public bucket",
            types=["data_breach"],
            severity=Severity.SEV2,
            tier=tier,
            summary="A storage bucket holding booking exports was public for two days",
            jurisdictions=["EU"],
            roles={"legal": LEGAL},
        ).ref
        timeline.post_update(ctx, ref, actor="U0ALICE", summary="Bucket closed", impact="Names and stay dates exposed")
        actions.add_action(ctx, ref, actor="U0ALICE", title="Block public buckets by policy")
    return ref


def _fields(packet: Packet) -> dict[str, tuple[FieldState, str | None]]:
    return {f.key: (f.state, f.value) for f in packet.fields}


def _audited(domain: Domain, action: str) -> list[AuditEvent]:
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_draft_fills_what_the_incident_knows_and_lists_what_is_missing(
    domain: Domain, time_source: ManualTime
) -> None:
    ref = _breach(domain)
    with domain.unit() as ctx:
        packet = draft(ctx, ref, "gdpr_art33", actor=LEGAL)
    fields = _fields(packet)
    assert fields["nature"] == (FieldState.FILLED, "A storage bucket holding booking exports was public for two days")
    assert fields["contact"] == (FieldState.FILLED, "Dana Whitfield <dpo@example.org>")
    assert fields["consequences"] == (FieldState.FILLED, "Names and stay dates exposed")
    assert fields["measures"] == (FieldState.FILLED, "- Block public buckets by policy (open)")
    assert fields["aware"] == (FieldState.FILLED, "2026-11-23 12:00 UTC, by U0ALICE")
    assert [f.key for f in packet.missing] == ["data_subjects", "records"]
    assert "delay_reasons" not in fields  # asked only of a late notification
    assert (packet.filing.source_url, packet.as_of.isoformat()) == ("https://gdpr-info.eu/art-33-gdpr/", "2026-12-06")

    with domain.unit() as ctx:
        update_review(ctx, ref, ReviewFields(people_affected="About 1,200 guests"), actor=LEGAL)
    time_source.advance(timedelta(hours=73))
    with domain.unit() as ctx:
        late = draft(ctx, ref, "gdpr_art33", actor=LEGAL)
    assert _fields(late)["data_subjects"] == (FieldState.FILLED, "About 1,200 guests")
    assert [f.key for f in late.missing] == ["records", "delay_reasons"]
    assert [e.details["missing"] for e in _audited(domain, "filing.draft")] == [
        ["data_subjects", "records"],
        ["records", "delay_reasons"],
    ]


def test_parties_fill_a_packet_for_members_and_are_withheld_from_others(domain: Domain) -> None:
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx,
            actor="U0ALICE",
            title="Threat against a host",
            types=["threat_violence"],
            severity=Severity.SEV1,
            jurisdictions=["EU"],
        ).ref
        parties.add_party(ctx, ref, actor="U0ALICE", role=PartyRole.SUBJECT_ACCOUNT, handle="angry_guest_77")
    with domain.unit() as ctx:
        member = _fields(draft(ctx, ref, "eu_dsa_art18", actor="U0ALICE"))
        outsider = draft(ctx, ref, "eu_dsa_art18", actor=Who.person(OUTSIDER))  # a standard incident: the team's
    assert member["recipient_of_service"] == (FieldState.FILLED, "1. Subject account: @angry_guest_77")
    assert _fields(outsider)["recipient_of_service"] == (FieldState.WITHHELD, None)
    assert "recipient_of_service" not in [f.key for f in outsider.missing]
    assert len(_audited(domain, "party.view")) == 1  # the member's read of the parties, as any read of them


def test_recording_the_submission_meets_the_clock_and_shows_in_the_review(
    domain: Domain, time_source: ManualTime
) -> None:
    ref = _breach(domain)
    time_source.advance(timedelta(hours=5))
    sent = time_source.now() - timedelta(hours=1)
    with domain.unit() as ctx:
        met = record_submission(ctx, ref, "gdpr_art33", reference="DPC-2026-881", sent_at=sent, actor=LEGAL)
        assert (met.met, met.satisfied_at, met.satisfied_by, met.reference_id) == (True, sent, LEGAL, "DPC-2026-881")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        entry = incident.timeline[-1]
        team = review_document(ctx, ref, actor=LEGAL, audience=Audience.TEAM)
        leadership = review_document(ctx, ref, actor="cli:exec", audience=Audience.LEADERSHIP)
    assert entry.at == sent and entry.author == LEGAL
    assert entry.text == (
        "Filed: GDPR Art. 33 notification of a personal data breach to the supervisory authority "
        "(met, reference DPC-2026-881)."
    )
    [recorded] = _audited(domain, "filing.record")
    assert recorded.details["filing_as_of"] == "2026-12-06"
    [obligation] = team.obligations
    assert (obligation.filing, obligation.reference, obligation.satisfied, obligation.outcome) == (
        "filed by Dana Whitfield",
        "DPC-2026-881",
        "2026-11-23 16:00 UTC",
        "met",
    )
    [told] = leadership.obligations  # a restricted incident: that it was filed and when, not the reference
    assert (told.filing, told.reference, told.satisfied) == ("filed by Legal", "withheld", "2026-11-23 16:00 UTC")


def test_a_filed_report_starts_the_clocks_it_chains_to(domain: Domain) -> None:
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx, actor="U0ALICE", title="Apparent exploitation", types=["child_safety"], severity=Severity.SEV1
        ).ref
        record_submission(ctx, ref, "us_ncmec_2258a", reference="CT-1234567", sent_at=ctx.now(), actor="U0ALICE")
    with domain.unit() as ctx:
        regimes = {c.regime: c.satisfied_at is not None for c in incident_to_show(ctx, ref).clocks}
    assert regimes == {"us_ncmec_2258a": True, "eu_dsa_art18": False, "us_ncmec_preservation": False}


def test_a_restricted_packet_is_for_its_members_only(domain: Domain) -> None:
    ref = _breach(domain)
    with domain.unit() as ctx, pytest.raises(NotFound, match="No incident"):
        draft(ctx, ref, "gdpr_art33", actor=Who.person(OUTSIDER))  # in Slack it does not exist for them
    assert _audited(domain, "filing.draft") == []


Run = tuple[int, str, str]
Vigil = Callable[..., Run]


@pytest.fixture
def vigil(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Vigil]:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)

    def run(*argv: str) -> Run:
        try:
            code = main(list(argv))
        except SystemExit as exited:  # argparse: a mistake in the command line
            code = int(exited.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    yield run


def _one_line(err: str) -> bool:
    return err.count("\n") == 1 and "Traceback" not in err


def test_the_terminal_drafts_and_records_a_filing(domain: Domain, vigil: Vigil) -> None:
    ref = _breach(domain)
    code, out, _ = vigil("--as", LEGAL, "filing", "draft", ref, "gdpr_art33")
    assert code == 0
    assert out.startswith("# GDPR Art. 33 notification of a personal data breach to the supervisory authority\n")
    assert "## The nature of the personal data breach (Art. 33(3)(a))\n\nA storage bucket holding" in out
    assert "## Still missing (3)\n\n- The categories and approximate number of data subjects concerned" in out
    assert "- The reasons for the delay (the notification is made after 72 hours) (Art. 33(1))" in out  # it is late
    code, out, _ = vigil("--as", LEGAL, "filing", "draft", ref, "gdpr_art33", "--format", "json")
    packet = json.loads(out)
    assert packet["missing"] == ["data_subjects", "records", "delay_reasons"]
    assert (code, packet["clock"]["state"], packet["filing"]["as_of"]) == (0, "overdue", "2026-12-06")

    code, out, err = vigil(
        "--as", LEGAL, "filing", "record", ref, "gdpr_art33", "--reference", "DPC-2026-881",
        "--sent-at", "2026-11-23T15:30Z",
    )  # fmt: skip
    assert (code, err) == (0, "")
    with domain.unit() as ctx:
        [clock] = incident_to_show(ctx, ref).clocks
    assert out == (
        f"Recorded the gdpr_art33 filing of {ref}: sent 2026-11-23 15:30 UTC, reference DPC-2026-881; "
        f"clock #{clock.id} met (due 2026-11-26 12:00 UTC).\n"
    )
    code, out, _ = vigil("--as", LEGAL, "review", ref, "--format", "md")
    assert code == 0 and "| 2026-11-23 15:30 UTC | filed by Dana Whitfield | DPC-2026-881 | **yes**" in out
    assert vigil("verify", ref)[0] == 0  # the filing is in the record, and the record holds


def test_terminal_mistakes_are_one_line(domain: Domain, vigil: Vigil) -> None:
    ref = _breach(domain)

    def record(clock: str, sent_at: str = "2026-11-23T13:00Z") -> Run:
        return vigil("--as", LEGAL, "filing", "record", ref, clock, "--reference", "DPC-1", "--sent-at", sent_at)

    said = {
        "unknown clock": (1, vigil("--as", LEGAL, "filing", "draft", ref, "gdpr_art99")),
        "no filing": (1, vigil("--as", LEGAL, "filing", "draft", ref, "us_ncmec_preservation")),
        "not started": (1, record("eu_dsa_art18")),
        "bad time": (2, record("gdpr_art33", "yesterday")),
        "future time": (1, record("gdpr_art33", "2999-01-01T00:00Z")),
        "restricted": (1, vigil("--as", "cli:outsider", "filing", "draft", ref, "gdpr_art33")),
        "recorded": (0, record("gdpr_art33")),
        "again": (1, record("gdpr_art33")),
    }
    for what, (expected, (code, _out, err)) in said.items():
        assert code == expected, what
        assert expected == 0 or _one_line(err), (what, err)
    errors = {what: err for what, (_, (_, _, err)) in said.items()}
    assert "Unknown clock 'gdpr_art99': its clocks: #1 gdpr_art33" in errors["unknown clock"]
    assert "The clocks with a filing are eu_dsa_art18, us_ncmec_2258a, gdpr_art33" in errors["unknown clock"]
    assert "The us_ncmec_preservation clock has no filing in the policy pack" in errors["no filing"]
    assert f"{ref} has no eu_dsa_art18 clock: start it first" in errors["not started"]
    assert "--sent-at: not an ISO 8601 time: 'yesterday'" in errors["bad time"]
    assert "The time it was sent cannot be in the future." in errors["future time"]
    assert f"{ref} is restricted: only its members can read its filing packets." in errors["restricted"]
    assert f"The gdpr_art33 filing of {ref} is already recorded: sent 2026-11-23 13:00 UTC" in errors["again"]
    assert [e.details["missing"] for e in _audited(domain, "filing.draft")] == []  # refusals write nothing


def test_the_policy_packs_packets_are_checked_when_it_loads(tmp_path: Path) -> None:
    pack = load_policy()
    clocks = {name: clock.model_dump(mode="json", exclude_none=True) for name, clock in pack.clocks.items()}
    fields = clocks["gdpr_art33"]["filing"]["fields"]
    fields[1] = {**fields[1], "fact": "horoscope"}
    fields.append({**fields[0]})
    path = tmp_path / "policy.yaml"
    path.write_text(json.dumps({"clocks": clocks}))  # JSON is YAML
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    message = refused.value.message
    assert message.startswith(f"policy file {path}: clocks.gdpr_art33.filing.fields.1.fact: Input should be 'summary'")
    assert "\n" not in message
    del fields[1]["fact"]
    path.write_text(json.dumps({"clocks": clocks}))
    with pytest.raises(
        ConfigError, match=r"clocks.gdpr_art33.filing: Value error, fields.aware: the key is used twice"
    ):
        load_policy(path)


def test_every_fact_a_pack_may_name_is_read() -> None:
    """An operator's pack may fill a field from any fact of the vocabulary: each has its reading."""
    assert set(FACTS) == set(Fact)
