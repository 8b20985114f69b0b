"""The reporting views (PostgreSQL only, docs/reporting.md): what an analyst reads after a scenario of standard and
restricted incidents, that no view carries text people wrote or names anyone, and that the role `vigil db
reporting-role` makes reads the views and no table."""

from __future__ import annotations

import io
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from incidents import actions, lifecycle, migrate, timeline
from incidents.clocks import service as clocks
from incidents.clocks.standing import clock_standing
from incidents.context import Ctx, Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.enums import ActionPriority, ActionStatus, Severity, Status, SyncState, Tier
from incidents.figures import clock_outcomes
from incidents.models import Clock
from incidents.parties import service as parties
from incidents.parties.models import PartyRole
from incidents.policy import load_policy
from incidents.privacy.rescan import rescan
from incidents.referrals import service as referrals
from incidents.referrals.models import ReferralStatus
from incidents.referrals.service import ReferralChanges
from incidents.schema import metadata
from incidents.tasks import service as tasks
from incidents.tasks.models import Task
from incidents.timesource import ManualTime
from tests.dbs import fresh_database
from tests.helpers import declare
from vigil.cli import main

pytestmark = pytest.mark.postgresql
ALICE = "U_ALICE"
MIGRATION = "170bcf39e71d"
BEFORE = "c6e8a0b2d4f3"
VERSION_1_HEAD = "a2b4c6d8e0f1"
"""The last migration before version 2 of the views."""
VIEWS = (
    "version",
    "incidents",
    "incident_types",
    "incident_history",
    "timeline_counts",
    "clocks",
    "actions",
    "tasks",
    "referrals",
)
DOCS = Path(__file__).resolve().parent.parent / "docs" / "reporting.md"
START = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
"""Three days back, so the scenario has deadlines long past and one still to come in real time (the views
measure against the database's now())."""
WRITTEN = (
    "A guest reported the host",  # a summary
    "Jane Doe",  # a restricted incident's title
    "Ring run from a shared flat",  # a title of an incident made restricted later
    "doxxing began",  # a severity change's reason
    "home address",  # a sensitive note
    "Mass reporting",  # a note
    "NCMEC-998877",  # a clock's reference
    "Detect brigading earlier",  # an action's title
    "U_ALICE",  # a person's key
    "U_BOB",  # an action owner's key
    "No one viewed the material",  # a playbook step's skip reason
    "Host asks for the repair cost",  # a referral's note
    "Repair cost reimbursed",  # a referral's outcome
    "DSP-4411",  # a referral's external reference
    "LE-REF-4242",  # a restricted incident's referral's external reference
    "Person declined contact",  # a referral's reason to decline
    "John Smith",  # a party named in a standard incident's title
)
"""Text people wrote, and who they are: none of it may reach a view."""


@dataclass(frozen=True)
class Scenario:
    url: str
    standard: str
    restricted: str
    named: str
    made_restricted: str


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path_factory.mktemp("reporting")) as url:
        yield url


@pytest.fixture(scope="module")
def scenario(pg_url: str) -> Iterator[Scenario]:
    engine = make_engine(pg_url)
    time = ManualTime(START)
    domain = Domain(engine, make_sessionmaker(engine), load_policy(), time)

    def at(minutes: int) -> None:
        time.set(START + timedelta(minutes=minutes))

    with domain.unit() as ctx:
        standard = declare(
            ctx, severity=Severity.SEV2, summary="A guest reported the host", region="EMEA", jurisdictions=["EU"]
        ).ref
        restricted = declare(
            ctx,
            title="Minor groomed by Jane Doe",
            types=["child_safety"],
            severity=Severity.SEV1,
            region="AMS",
            jurisdictions=["US", "EU"],
        ).ref
        named = declare(
            ctx,
            title="John Smith threatened a host",
            types=["fraud_scam"],
            severity=Severity.SEV3,
            region=None,
        ).ref
        made_restricted = declare(
            ctx, title="Ring run from a shared flat", types=["fraud_scam"], severity=Severity.SEV3, region="APAC"
        ).ref
    steps: list[tuple[int, Callable[[Ctx], object]]] = [
        (10, partial(lifecycle.acknowledge, ref=standard, actor=ALICE)),
        (
            20,
            partial(
                lifecycle.change_severity, ref=standard, severity=Severity.SEV1, reason="doxxing began", actor=ALICE
            ),
        ),
        (30, partial(timeline.add_note, ref=standard, text="Mass reporting from new accounts", actor=ALICE)),
        (30, partial(timeline.add_note, ref=standard, text="Their home address leaked", sensitive=True, actor=ALICE)),
        (40, partial(clocks.satisfy_clock, ref=standard, regime="eu_dsa_art18", reference_id="POL-1", actor=ALICE)),
        (50, partial(_tracked_action, ref=standard, key="SAFE-1", due=START.date() + timedelta(days=1))),
        (55, partial(_finished_action, ref=standard)),
        (60, partial(_tracked_action, ref=restricted, key="SAFE-2", due=None)),
        (70, partial(lifecycle.change_tier, ref=made_restricted, tier=Tier.RESTRICTED, reason="a minor", actor=ALICE)),
        (75, partial(parties.add_party, ref=named, actor=ALICE, role=PartyRole.AFFECTED_PERSON, name="John Smith")),
        (
            120,
            partial(lifecycle.change_severity, ref=standard, severity=Severity.SEV3, reason="contained", actor=ALICE),
        ),
        (150, partial(lifecycle.change_status, ref=restricted, status=Status.MITIGATED, actor=ALICE)),
        (80, partial(_work_the_playbook, ref=restricted)),
        (90, partial(_dispute, ref=standard)),
        (100, partial(_referred, ref=restricted, kind="law_enforcement", external_ref="LE-REF-4242")),
        (110, partial(_declined, ref=restricted)),
        (300, partial(lifecycle.resolve, ref=standard, actor=ALICE)),
        (
            30 * 60,
            partial(
                clocks.satisfy_clock, ref=restricted, regime="us_ncmec_2258a", reference_id="NCMEC-998877", actor=ALICE
            ),
        ),
    ]
    for minutes, step in steps:
        at(minutes)
        with domain.unit() as ctx:
            step(ctx)
    engine.dispose()
    yield Scenario(pg_url, standard, restricted, named, made_restricted)


def _tracked_action(ctx: Ctx, *, ref: str, key: str, due: date | None) -> None:
    action = actions.add_action(
        ctx, ref, actor="U_ALICE", title="Detect brigading earlier", owner="U_BOB", due_date=due, tracked=True
    )
    actions.record_sync(ctx, action.id, state=SyncState.SYNCED, key=key, url=f"https://jira.example/browse/{key}")


def _work_the_playbook(ctx: Ctx, *, ref: str) -> None:
    """The first step done (late: it was due within the hour), the last one skipped with a reason."""
    listed = tasks.list_tasks(ctx, ref)[1]
    tasks.complete_task(ctx, listed[0].id, actor=ALICE)
    tasks.skip_task(ctx, listed[-1].id, actor=ALICE, reason="No one viewed the material")


def _referred(ctx: Ctx, *, ref: str, kind: str, external_ref: str | None = None) -> int:
    referral = referrals.open_referral(
        ctx, ref, actor=ALICE, kind=kind, owner="U_BOB", external_ref=external_ref, note="Host asks for the repair cost"
    )
    return referral.id


def _dispute(ctx: Ctx, *, ref: str) -> None:
    """Opened 90 minutes after the declaration and decided at once (a case tool reporting straight away)."""
    rid = _referred(ctx, ref=ref, kind="user_dispute", external_ref="DSP-4411")
    decided = ReferralChanges(status=ReferralStatus.DECIDED, outcome="Repair cost reimbursed")
    referrals.update_referral(ctx, rid, decided, actor="api:cases")


def _declined(ctx: Ctx, *, ref: str) -> None:
    rid = _referred(ctx, ref=ref, kind="wellbeing_services")
    declined = ReferralChanges(status=ReferralStatus.DECLINED, reason="Person declined contact")
    referrals.update_referral(ctx, rid, declined, actor=ALICE)


def _finished_action(ctx: Any, ref: str) -> None:
    action = actions.add_action(
        ctx, ref, actor="U_ALICE", title="Detect brigading earlier", priority=ActionPriority.LOW
    )
    actions.update_action(ctx, action.id, actions.ActionChanges(status=ActionStatus.DONE), actor="U_ALICE")


@pytest.fixture
def reporting(scenario: Scenario) -> Iterator[Engine]:
    engine = make_engine(scenario.url)
    yield engine
    engine.dispose()


def rows(engine: Engine, view: str, order: str = "1") -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(text(f"SELECT * FROM reporting.{view} ORDER BY {order}"))]


def by_ref(engine: Engine, view: str, ref: str, order: str = "1") -> list[dict[str, Any]]:
    return [r for r in rows(engine, view, order) if r["ref"] == ref]


def test_the_version_names_its_migration_and_its_documentation(reporting: Engine) -> None:
    assert rows(reporting, "version") == [{"version": 3, "migration": MIGRATION, "documentation": "docs/reporting.md"}]


def test_incidents_show_restricted_ones_as_leadership_sees_them(reporting: Engine, scenario: Scenario) -> None:
    incidents = {r["ref"]: r for r in rows(reporting, "incidents")}
    standard = incidents[scenario.standard]
    assert {k: standard[k] for k in ("title", "title_is_neutral", "tier", "restricted", "types", "jurisdictions")} == {
        "title": "Credible threat against a host",
        "title_is_neutral": False,
        "tier": "standard",
        "restricted": False,
        "types": "threat_violence",
        "jurisdictions": "EU",
    }
    assert (standard["initial_severity"], standard["peak_severity"], standard["severity"]) == ("SEV2", "SEV1", "SEV3")
    assert (standard["status"], standard["is_open"], standard["region"]) == ("resolved", False, "EMEA")
    assert standard["declared_at"] == START and standard["resolved_at"] == START + timedelta(minutes=300)
    assert (standard["seconds_to_detect"], standard["seconds_to_declare"]) == (None, 0)
    assert (standard["seconds_to_acknowledge"], standard["seconds_to_mitigate"], standard["seconds_to_resolve"]) == (
        600,
        18000,
        18000,
    )
    restricted = incidents[scenario.restricted]
    assert (restricted["title"], restricted["title_is_neutral"]) == ("child_safety · SEV1 · AMS", True)
    assert (restricted["tier"], restricted["restricted"], restricted["status"], restricted["is_open"]) == (
        "highly_restricted",
        True,
        "mitigated",
        True,
    )
    assert restricted["jurisdictions"] == "EU, US" and restricted["seconds_to_resolve"] is None
    # A standard title reads as leadership reads it (its parties and the personal data the scan found masked); a
    # restricted incident's, even one made restricted after it was declared, gives way to the neutral title.
    assert (incidents[scenario.named]["title"], incidents[scenario.named]["title_is_neutral"]) == (
        "Affected person threatened a host",
        False,
    )
    assert incidents[scenario.made_restricted]["title"] == "fraud_scam · SEV3 · APAC"


def test_no_view_holds_what_people_wrote_or_who_they_are(reporting: Engine, scenario: Scenario) -> None:
    seen = "\n".join(str(value) for view in VIEWS for row in rows(reporting, view) for value in row.values())
    assert scenario.restricted in seen  # the reference stands, as in leadership's rendering
    assert [w for w in WRITTEN if w in seen] == []


def test_types_have_one_row_each(reporting: Engine, scenario: Scenario) -> None:
    assert [r["type"] for r in by_ref(reporting, "incident_types", scenario.restricted)] == ["child_safety"]
    assert len(rows(reporting, "incident_types")) == 4


def test_history_lists_every_change_of_severity_status_and_tier(reporting: Engine, scenario: Scenario) -> None:
    def changes(ref: str, field: str) -> list[tuple[str | None, str]]:
        found = by_ref(reporting, "incident_history", ref, order="at, from_value NULLS FIRST")
        return [(r["from_value"], r["to_value"]) for r in found if r["field"] == field]

    assert changes(scenario.standard, "severity") == [(None, "SEV2"), ("SEV2", "SEV1"), ("SEV1", "SEV3")]
    assert changes(scenario.standard, "status") == [
        (None, "declared"),
        ("declared", "investigating"),
        ("investigating", "resolved"),
    ]
    assert changes(scenario.standard, "tier") == [(None, "standard")]
    assert changes(scenario.restricted, "tier") == [(None, "highly_restricted")]  # raised by policy at declare
    assert changes(scenario.made_restricted, "tier") == [(None, "standard"), ("standard", "restricted")]
    raised = [r for r in by_ref(reporting, "incident_history", scenario.standard) if r["from_value"] == "SEV2"]
    assert [r["at"] for r in raised] == [START + timedelta(minutes=20)]


def test_timeline_counts_count_entries_by_kind(reporting: Engine, scenario: Scenario) -> None:
    counts = {r["kind"]: r for r in by_ref(reporting, "timeline_counts", scenario.standard)}
    assert {k: counts[k]["entries"] for k in ("declared", "severity", "status", "note")} == {
        "declared": 1,
        "severity": 2,
        "status": 2,
        "note": 2,
    }
    assert (counts["note"]["sensitive_entries"], counts["severity"]["sensitive_entries"]) == (1, 0)
    assert counts["severity"]["first_at"] == START + timedelta(minutes=20)
    assert counts["severity"]["last_at"] == START + timedelta(minutes=120)


def test_clocks_are_met_missed_overdue_or_running_by_the_domains_one_rule(
    reporting: Engine, scenario: Scenario
) -> None:
    clocks_seen = {(r["ref"], r["regime"]): r for r in rows(reporting, "clocks")}
    met = clocks_seen[(scenario.standard, "eu_dsa_art18")]
    assert (met["state"], met["outcome"], met["met"], met["margin_seconds"], met["has_reference"]) == (
        "met",
        "met",
        True,
        20 * 60,
        True,
    )
    missed = clocks_seen[(scenario.restricted, "us_ncmec_2258a")]
    assert (missed["state"], missed["outcome"], missed["met"], missed["margin_seconds"]) == (
        "missed",
        "missed",
        False,
        -6 * 3600,
    )
    overdue = clocks_seen[(scenario.restricted, "eu_dsa_art18")]
    assert (overdue["state"], overdue["outcome"], overdue["met"], overdue["has_reference"]) == (
        "overdue",
        "missed",
        None,
        False,
    )
    running = clocks_seen[(scenario.restricted, "us_ncmec_preservation")]
    assert (running["state"], running["outcome"], running["parent_clock_id"]) == (
        "running",
        "running",
        missed["clock_id"],
    )
    assert running["margin_seconds"] > 300 * 86400
    # Every clock stands in the view as clock_standing has it, and the outcomes add up to the trends' counts.
    domain = Domain(reporting, make_sessionmaker(reporting), load_policy(), ManualTime(datetime.now(UTC)))
    with domain.unit() as ctx:
        now = ctx.now()
        standings = {c.id: clock_standing(c, now).state.value for c in ctx.session.query(Clock)}
        trends = clock_outcomes(ctx, START - timedelta(days=1), now)
    assert {r["clock_id"]: r["state"] for r in clocks_seen.values()} == standings
    view_counts: dict[str, list[int]] = {}
    for r in clocks_seen.values():
        view_counts.setdefault(r["regime"], [0, 0, 0])[("met", "missed", "running").index(r["outcome"])] += 1
    assert view_counts == {c.regime: [c.met, c.missed, c.running] for c in trends}


def test_actions_keep_structured_fields_and_hide_restricted_tracker_keys(reporting: Engine, scenario: Scenario) -> None:
    standard = by_ref(reporting, "actions", scenario.standard, order="action_id")
    assert [(r["status"], r["finished"], r["overdue"], r["tracker_key"]) for r in standard] == [
        ("open", False, True, "SAFE-1"),
        ("done", True, False, None),
    ]
    assert (standard[0]["priority"], standard[0]["category"], standard[0]["sync_state"]) == (
        "medium",
        "prevent",
        "synced",
    )
    assert standard[1]["finished_at"] == START + timedelta(minutes=55)
    [restricted] = by_ref(reporting, "actions", scenario.restricted)
    assert (restricted["tracker_key"], restricted["overdue"], restricted["sync_state"]) == (None, False, "synced")


def test_tasks_are_the_playbook_steps_with_their_state_and_no_reason(reporting: Engine, scenario: Scenario) -> None:
    engine_now = datetime.now(UTC)
    domain = Domain(reporting, make_sessionmaker(reporting), load_policy(), ManualTime(engine_now))
    with domain.unit() as ctx:
        stored = {t.id: t for t in ctx.session.query(Task)}
        expected = {t.id: (t.incident.ref, t.step_key, t.status.value, t.is_late(engine_now)) for t in stored.values()}
    seen = rows(reporting, "tasks", order="task_id")
    assert {r["task_id"]: (r["ref"], r["step_key"], r["status"], r["late"]) for r in seen} == expected
    restricted = [r for r in seen if r["ref"] == scenario.restricted]
    assert restricted and {r["playbook"] for r in restricted} == {"child_safety"}
    done, skipped = restricted[0], restricted[-1]
    assert (done["status"], done["finished"], done["late"]) == ("done", True, True)
    assert done["seconds_to_finish"] == 80 * 60 and done["margin_seconds"] < 0
    assert (skipped["status"], skipped["finished"], skipped["finished_at"]) == (
        "skipped",
        True,
        START + timedelta(minutes=80),
    )
    assert all(r["status"] == "open" and r["seconds_to_finish"] is None for r in restricted[1:-1])


def test_referrals_show_kind_status_and_spans_never_what_was_said(reporting: Engine, scenario: Scenario) -> None:
    [dispute] = by_ref(reporting, "referrals", scenario.standard)
    assert (dispute["kind"], dispute["status"], dispute["is_open"], dispute["overdue"]) == (
        "user_dispute",
        "decided",
        False,
        False,
    )
    assert (dispute["has_owner"], dispute["has_external_ref"], dispute["accepted_at"]) == (True, True, None)
    assert dispute["decided_at"] == START + timedelta(minutes=90)
    assert (dispute["seconds_to_referral"], dispute["seconds_to_decision"], dispute["seconds_open_to_decision"]) == (
        90 * 60,
        90 * 60,
        0,
    )
    police, wellbeing = by_ref(reporting, "referrals", scenario.restricted, order="referral_id")
    assert (police["kind"], police["status"], police["is_open"]) == ("law_enforcement", "requested", True)
    assert police["overdue"], "due two days after it was opened, three days ago"
    assert (police["seconds_to_referral"], police["seconds_to_decision"]) == (100 * 60, None)
    assert (wellbeing["status"], wellbeing["is_open"], wellbeing["has_external_ref"]) == ("declined", False, False)
    assert wellbeing["seconds_to_decision"] == 110 * 60 and wellbeing["declined_at"] == START + timedelta(minutes=110)


def test_every_column_is_documented_and_nothing_else(reporting: Engine) -> None:
    documented: dict[str, list[str]] = {}
    view = None
    for line in DOCS.read_text().splitlines():
        if heading := re.fullmatch(r"### `reporting\.(\w+)`", line):
            view = heading.group(1)
            documented[view] = []
        elif view and (column := re.match(r"\| `(\w+)` \|", line)):
            documented[view].append(column.group(1))
    with reporting.connect() as connection:
        actual: dict[str, list[str]] = {}
        for table, column in connection.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'reporting' "
                "ORDER BY table_name, ordinal_position"
            )
        ):
            actual.setdefault(table, []).append(column)
    assert documented == actual


# --- The role ------------------------------------------------------------------------------------------------


@pytest.fixture
def role(scenario: Scenario) -> Iterator[str]:
    """A role name no other run uses (roles belong to the whole server), dropped with its rights afterwards."""
    name = f"analysts_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(_plain(scenario.url), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        if exists:
            admin.execute(f'DROP OWNED BY "{name}"')
            admin.execute(f'DROP ROLE "{name}"')


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


Vigil = Callable[..., tuple[int, str, str]]


@pytest.fixture
def vigil(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Vigil:
    """``vigil db …`` on the database at ``url``: its exit status, standard output and standard error."""

    def run(url: str, *argv: str) -> tuple[int, str, str]:
        monkeypatch.setenv("VIGIL_DATABASE_URL", url)
        code = main(["db", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def reads(engine: Engine, role: str, views: tuple[str, ...] = VIEWS) -> dict[str, str]:
    """What ``role`` gets from each view and each of Vigil's tables: "ok" or PostgreSQL's refusal. Each read runs
    in its own transaction, as the role (SET ROLE), and is rolled back."""
    outcome: dict[str, str] = {}
    present = set(inspect(engine).get_table_names())  # a downgrade drops tables made after its revision
    relations = [f"reporting.{v}" for v in views] + [
        f"public.{t.name}" for t in metadata.sorted_tables if t.name in present
    ]
    with engine.connect() as connection:
        for relation in relations:
            with connection.begin() as transaction:
                connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
                try:
                    connection.exec_driver_sql(f"SELECT * FROM {relation} LIMIT 1").all()
                    outcome[relation] = "ok"
                except Exception as refused:  # the refusal is what is asserted
                    outcome[relation] = str(getattr(refused, "orig", refused)).splitlines()[0]
                transaction.rollback()
    return outcome


def assert_reads_views_only(engine: Engine, role: str, views: tuple[str, ...] = VIEWS) -> None:
    outcome = reads(engine, role, views)
    assert {r: o for r, o in outcome.items() if r.startswith("reporting.")} == {f"reporting.{v}": "ok" for v in views}
    tables = {r: o for r, o in outcome.items() if r.startswith("public.")}
    assert tables and all(o == f"permission denied for table {r.removeprefix('public.')}" for r, o in tables.items())


def test_the_reporting_role_reads_the_views_and_no_table(
    reporting: Engine,
    scenario: Scenario,
    role: str,
    vigil: Vigil,
) -> None:
    code, out, err = vigil(scenario.url, "reporting-role", role)
    assert (code, err) == (0, "")
    assert out == (
        f"Created role {role} (no login: grant it to people's own roles (GRANT {role} TO alice)); "
        "it reads the 9 views of schema reporting and nothing else.\n"
    )
    assert_reads_views_only(reporting, role)
    code, out, _ = vigil(scenario.url, "reporting-role", role)
    assert code == 0 and out.startswith(f"Renewed the grants of role {role} (no login")


def test_a_login_role_connects_with_its_password_and_reads_views_only(
    scenario: Scenario, role: str, vigil: Vigil, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    code, out, _ = vigil(scenario.url, "reporting-role", role, "--password-stdin")
    assert code == 0 and out.startswith(f"Created role {role} (it can log in)")
    with psycopg.connect(_plain(scenario.url), autocommit=True) as admin:
        stored = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)).fetchone()
    assert stored and str(stored[0]).startswith("SCRAM-SHA-256$")  # hashed before it was sent
    with psycopg.connect(_plain(scenario.url), user=role, password="correct horse battery") as analyst:
        assert analyst.execute("SELECT count(*) FROM reporting.incidents").fetchone() == (4,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            analyst.execute("SELECT title, summary FROM incidents")


def test_the_command_refuses_in_one_line(scenario: Scenario, tmp_path: Path, vigil: Vigil) -> None:
    code, out, err = vigil(scenario.url, "reporting-role", "postgres")
    assert (code, out) == (1, "")
    assert err == (
        "vigil: A role postgres already exists and was not made by `vigil db reporting-role`: pick another name.\n"
    )
    code, _, err = vigil(scenario.url, "reporting-role", "Robert'); DROP TABLE incidents;--")
    assert code == 1 and err.count("\n") == 1 and "cannot name a reporting role" in err
    sqlite = f"sqlite:///{tmp_path / 'vigil.db'}"
    migrate.upgrade(sqlite)
    code, _, err = vigil(sqlite, "reporting-role", "analysts")
    assert code == 1
    assert err == "vigil: Reporting roles need PostgreSQL: an SQLite database has no roles (see docs/reporting.md).\n"


def timeless(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every view's rows less the margins, which move with the database's now(), in an order that does not hang on
    how the rows happen to be stored (a downgrade rebuilds tables)."""
    return {
        view: sorted(({k: v for k, v in r.items() if k != "margin_seconds"} for r in rows(engine, view)), key=repr)
        for view in VIEWS
    }


def _rescan(url: str) -> None:
    """``vigil redaction rescan``, which makes the titles leadership reads for rows migrated without them."""
    engine = make_engine(url)
    with Domain(engine, make_sessionmaker(engine), load_policy(), ManualTime(START)).unit() as ctx:
        rescan(ctx)
    engine.dispose()


def test_the_views_come_back_after_a_downgrade_and_the_role_after_renewal(
    reporting: Engine,
    scenario: Scenario,
    role: str,
    vigil: Vigil,
) -> None:
    assert vigil(scenario.url, "reporting-role", role)[0] == 0
    before = timeless(reporting)
    migrate.downgrade(scenario.url, VERSION_1_HEAD)  # version 2's views go; version 1's stay, and say so
    assert [(r["version"], r["migration"]) for r in rows(reporting, "version")] == [(1, "d7f9b1c3e5a4")]
    assert_reads_views_only(reporting, role, VIEWS[:-2])
    migrate.downgrade(scenario.url, BEFORE)
    with reporting.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = 'reporting'")).scalar() == 0
    migrate.upgrade(scenario.url)
    titles = {r["ref"]: (r["title"], r["title_is_neutral"]) for r in rows(reporting, "incidents")}
    assert titles[scenario.named] == ("fraud_scam · SEV3", True), "until a rescan stores it, never the title as typed"
    _rescan(scenario.url)
    after = timeless(reporting)
    # the downgrade dropped the tables of tasks and referrals (made after version 1), and their rows with them
    assert (after.pop("tasks"), after.pop("referrals")) == ([], [])
    assert after == {view: found for view, found in before.items() if view not in ("tasks", "referrals")}
    assert set(reads(reporting, role).values()) == {"permission denied for schema reporting"} | {
        f"permission denied for table {t.name}" for t in metadata.sorted_tables
    }
    assert vigil(scenario.url, "reporting-role", role)[0] == 0
    assert_reads_views_only(reporting, role)
