"""The CLI runs a whole incident without Slack, says what each command changed, and answers every mistake in one
line that says what to do next: exit 1 when Vigil refused, 2 when the command line was wrong, never a traceback."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from incidents import lifecycle, migrate, timeline
from incidents.context import Domain
from incidents.enums import Severity, Status
from incidents.queries import incident_to_show
from incidents.settings import load_settings
from tests.dbs import PG_ADMIN_URL
from tests.helpers import declared_ref
from vigil.cli import main
from vigil.cli.parser import COMMANDS, build_parser
from vigil.cli.serve import prepare_database

WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"
Run = Callable[..., tuple[int, str, str]]


def _runner(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exited:  # argparse: --help, or a mistake in the command line
            code = int(exited.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def vigil(domain: Domain, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    return _runner(capsys)


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Run:
    """`vigil` in an empty folder, with no database configured."""
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return _runner(capsys)


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err


def test_a_whole_incident_from_the_terminal(vigil: Run, domain: Domain) -> None:
    code, out, _ = vigil(
        "--as", "U_ALICE", "declare", "Harassment wave against a creator", "--type", "hate_harassment",
        "--severity", "SEV2", "--region", "emea", "--jurisdiction", "eu",
    )  # fmt: skip
    assert code == 0 and out.startswith("Declared INC-")
    ref = out.split()[1].rstrip(":")
    assert f"Declared {ref}: Harassment wave against a creator (SEV2, standard); commander U_ALICE." in out
    assert "No clocks started." in out and "Next update due " in out
    assert f"`vigil provision {ref}`" in out
    steps = {
        "ack": ("ack", ref),
        "role": ("role", ref, "scribe", "U_BOB"),
        "severity": ("severity", ref, "SEV1", "--reason", "doxxing began"),
        "note": ("note", ref, "Mass reporting from new accounts", "--sensitive"),
        "update": ("update", ref, "Rate limits applied", "--status", "mitigated", "--next-in", "30"),
        "action": ("action", "add", ref, "Detect brigading earlier", "--owner", "U_BOB", "--due", "2099-01-31"),
        "start": ("clock", "start", ref, "gdpr_art33"),
        "satisfy": ("clock", "satisfy", ref, "--regime", "gdpr_art33", "--reference", "DPC-2026-1"),
        "handoff": ("handoff", ref, "U_CAROL"),
        "accept": ("--as", "U_CAROL", "accept-handoff", "1"),
        "resolve": ("resolve", ref),
        "close": ("close", ref),
    }
    said = {}
    for name, step in steps.items():
        code, said[name], err = vigil(*(("--as", "U_ALICE", *step) if step[0] != "--as" else step))
        assert code == 0, (step, err)
    assert re.fullmatch(
        rf"{ref} acknowledged; status declared → investigating\. Next update due {WHEN}\.\n", said["ack"]
    )
    assert said["role"] == f"U_BOB is now scribe on {ref}.\n"
    assert said["severity"].startswith(f"{ref} severity SEV2 → SEV1. Next update due ")
    assert "behind a content warning" in said["note"]
    assert said["update"].startswith(f"Update posted to {ref}; status investigating → mitigated; next update due ")
    assert said["action"].startswith(f"Action #1 added to {ref}: Detect brigading earlier (owner U_BOB, due 2099-01-31")
    assert re.fullmatch(rf"{ref}: Clocks started: #1 gdpr_art33 \(.+\) due {WHEN}\.\n", said["start"])
    assert re.fullmatch(
        rf"Clock #1 gdpr_art33 of {ref} met: satisfied {WHEN}, due {WHEN}, reference DPC-2026-1\.\n", said["satisfy"]
    )
    assert said["handoff"].startswith(f"Hand-off #1 of {ref} offered to U_CAROL; U_ALICE stays commander")
    assert said["accept"] == f"U_CAROL is now commander of {ref} (hand-off #1 accepted).\n"
    assert said["resolve"] == f"{ref} status mitigated → resolved. No more updates are due.\n"
    code, out, _ = vigil("show", ref)
    assert "commander      U_CAROL" in out
    assert "gdpr_art33" in out and "met" in out
    assert "Detect brigading earlier" in out
    assert "[CW] Mass reporting" in out
    code, out, _ = vigil("list", "--all")
    assert ref in out
    with domain.unit() as ctx:
        assert incident_to_show(ctx, ref).status is Status.CLOSED


def test_declare_names_the_clocks_it_started_and_a_raised_tier(vigil: Run) -> None:
    code, out, _ = vigil(
        "--as", "U_ALICE", "declare", "Leaked support database", "--type", "data_breach", "--severity", "SEV1",
        "--jurisdiction", "EU", "--jurisdiction", "BR",
    )  # fmt: skip
    assert code == 0
    assert "(SEV1, restricted)" in out and "Tier raised from standard to restricted: its types require it." in out
    started = re.search(r"Clocks started: (.+)\.\n", out)
    assert started is not None
    assert re.findall(r"#\d+ (\w+) \(", started.group(1)) == ["gdpr_art33", "br_lgpd_anpd"]
    assert started.group(1).count(" due 20") == 2


def test_raising_an_incident_with_a_slack_channel_to_restricted_says_the_channel_may_be_public(
    vigil: Run, domain: Domain
) -> None:
    declared = vigil("--as", "U_ALICE", "declare", "Harassment wave", "--type", "hate_harassment", "--severity", "SEV2")
    ref = declared[1].split()[1].rstrip(":")
    with domain.unit() as ctx:
        lifecycle.record_channel(ctx, incident_to_show(ctx, ref).id, "C0PUBLIC")
    code, out, _ = vigil("--as", "U_ALICE", "tier", ref, "restricted", "--reason", "a minor is involved")
    assert code == 0
    assert out == (
        f"{ref} tier standard → restricted.\nIts Slack channel C0PUBLIC may have been opened public, for a standard "
        "incident, and Slack lets no app make a channel private: if it is public, open a private channel for the "
        "responders and archive this one.\n"
    )
    code, out, _ = vigil("--as", "U_ALICE", "tier", ref, "highly_restricted", "--reason", "imagery")
    assert out == f"{ref} tier restricted → highly_restricted.\n"


def test_declare_with_the_severity_guidance_says_how_the_choice_stands(vigil: Run) -> None:
    code, out, _ = vigil(
        "--as", "U_ALICE", "declare", "Scam wave targeting hosts", "--type", "fraud_scam", "--severity", "SEV2",
        "--harm", "limited", "--imminence", "days",
    )  # fmt: skip
    assert code == 0 and "Severity SEV2: the severity guidance suggested SEV3 (limited, days)." in out
    code, _, err = vigil("declare", "Scam wave", "--type", "fraud_scam", "--severity", "SEV2", "--harm", "life")
    assert code == 1 and err == "vigil: Give both --harm and --imminence for a suggested severity, or neither.\n"


def test_people_are_named_as_the_person_says_them(vigil: Run) -> None:
    assert vigil("people", "name", "U_MAYA", "Maya Patel", "--email", "maya@example.com")[0] == 0
    code, out, _ = vigil(
        "--as", "maya@example.com", "declare", "Scam wave", "--type", "fraud_scam", "--severity", "SEV3"
    )
    assert code == 0 and "commander Maya Patel." in out
    ref = out.split()[1].rstrip(":")
    assert vigil("--as", "@maya", "role", ref, "scribe", "U_MAYA")[1] == f"Maya Patel is now scribe on {ref}.\n"
    code, _, err = vigil("--as", "nobody@example.com", "note", ref, "hello")
    assert code == 1 and one_line(err) and "nobody@example.com" in err
    code, _, err = vigil("role", ref, "deputy", "@ghost")
    assert code == 1 and one_line(err) and "vigil people" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("declare", "x", "--type", "other", "--severity", "SEV7"), "Unknown severity 'SEV7': use one of SEV0"),
        (("severity", "{ref}", "SEV7", "--reason", "x"), "Unknown severity 'SEV7'"),
        (("tier", "{ref}", "secret", "--reason", "x"), "Unknown sensitivity tier 'secret': use one of standard"),
        (("status", "{ref}", "done"), "Unknown status 'done'"),
        (("declare", "x", "--type", "other", "--severity", "SEV1", "--jurisdiction", "XX"), "invalid choice: 'XX'"),
        (("declare", "x", "--type", "other", "--severity", "SEV1", "--detected-at", "yesterday"), "ISO 8601"),
        (("list", "--type", "bogus"), "invalid choice: 'bogus' (choose from 'threat_violence'"),
        (("list", "--region", "mars"), "invalid choice: 'MARS'"),
        (("list", "--limit", "0"), "must be 1 or more"),
        (("accept-handoff", "first"), "not a whole number"),
        (("action", "update", "1", "--status", "finished"), "Unknown action status 'finished'"),
        (("action", "add", "{ref}", "x", "--due", "soon"), "not a date"),
        (("parties", "add", "{ref}", "--role", "victim"), "Unknown role 'victim'"),
        (("export", "--severity", "SEV9"), "invalid choice: 'SEV9'"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
    ],
)
def test_argument_mistakes_are_one_line_with_the_right_values(
    vigil: Run, domain: Domain, argv: tuple[str, ...], words: str
) -> None:
    ref = declared_ref(domain)
    code, out, err = vigil(*(a.format(ref=ref) for a in argv))
    assert (code, out) == (2, "")
    assert words in err and one_line(err), err
    assert err.startswith("vigil") and "--help`)" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("show", "INC-2026-9999"), "No incident 'INC-2026-9999'"),
        (("declare", "x", "--type", "nope", "--severity", "SEV1"), "Unknown incident type 'nope'; known types:"),
        (("declare", "x", "--type", "other", "--severity", "SEV1", "--region", "mars"), "Unknown region 'MARS'"),
        (("declare", "Call 555 010 9999", "--type", "other", "--severity", "SEV1"), "phone number"),
        (("role", "{ref}", "janitor", "U_BOB"), "Unknown role 'janitor': use one of commander"),
        (("severity", "{ref}", "SEV1", "--reason", "x"), "is already SEV1"),
        (("clock", "start", "{ref}", "eu_nis2"), "Unknown clock 'eu_nis2'"),
        (("action", "update", "1"), "Say what to change"),
        (("review", "edit", "{ref}", "--field", "nonsense", "--text", "x"), "Name the field to write"),
    ],
)
def test_refusals_are_one_line(vigil: Run, domain: Domain, argv: tuple[str, ...], words: str) -> None:
    ref = declared_ref(domain)
    code, out, err = vigil(*(a.format(ref=ref) for a in argv))
    assert (code, out) == (1, "")
    assert err.startswith("vigil: ") and words in err and one_line(err), err


def test_the_clock_mistakes_say_which(vigil: Run, domain: Domain) -> None:
    ref = declared_ref(domain)  # threat_violence in the EU: the eu_dsa_art18 clock runs
    satisfy = ("clock", "satisfy", ref, "--reference", "R-1")
    assert vigil(*satisfy, "--regime", "gdpr_art33")[2] == (
        f"vigil: Clock gdpr_art33 of {ref} is not one of its clocks; running: #1 eu_dsa_art18.\n"
    )
    assert (
        vigil(*satisfy, "--id", "7")[2]
        == f"vigil: Clock #7 of {ref} is not one of its clocks; running: #1 eu_dsa_art18.\n"
    )
    assert vigil("clock", "start", ref, "gdpr_art33")[0] == 0
    assert vigil(*satisfy, "--regime", "gdpr_art33")[0] == 0
    assert vigil(*satisfy, "--regime", "gdpr_art33")[2] == (
        f"vigil: Clock gdpr_art33 of {ref} was satisfied already; running: #1 eu_dsa_art18.\n"
    )
    assert vigil(*satisfy)[0] == 0
    assert vigil(*satisfy)[2] == f"vigil: {ref} has no running clocks (every one is satisfied).\n"


def test_action_updates_say_what_changed(vigil: Run, domain: Domain) -> None:
    ref = declared_ref(domain)
    assert vigil("action", "add", ref, "Route threats to the priority queue", "--owner", "U_BOB")[0] == 0
    code, out, _ = vigil("action", "update", "1", "--status", "in-progress", "--owner", "U_CAROL")
    assert (code, out) == (0, f"Action #1 of {ref}: status open → in_progress; owner U_BOB → U_CAROL.\n")


def test_bad_configuration_is_one_line(vigil: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", "oracle://nope")
    code, _, err = vigil("list")
    assert code == 1 and one_line(err)
    assert "VIGIL_DATABASE_URL: use sqlite:///path/to/vigil.db or postgresql://user:password@host:5432/dbname" in err


def test_the_readmes_postgresql_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for given in ("postgresql://vigil@db/vigil", "postgres://vigil@db/vigil"):
        monkeypatch.setenv("VIGIL_DATABASE_URL", given)
        assert load_settings().database_url == "postgresql+psycopg://vigil@db/vigil"


def test_reading_never_creates_a_database(bare: Run, tmp_path: Path) -> None:
    for argv in (("list",), ("show", "INC-2026-0001"), ("export",), ("db", "current"), ("declare", "x", "--type",
                 "other", "--severity", "SEV3")):  # fmt: skip
        code, out, err = bare(*argv)
        assert (code, out) == (1, ""), argv
        assert err == (
            f"vigil: No database at {tmp_path / 'vigil.db'}: create it with `vigil db upgrade`, "
            "or set VIGIL_DATABASE_URL to the one to use.\n"
        )
    assert list(tmp_path.iterdir()) == []
    code, out, _ = bare("db", "upgrade")
    assert code == 0 and out.startswith(f"Created the database {tmp_path / 'vigil.db'} at revision ")
    default = f"vigil: using the default database {tmp_path / 'vigil.db'} (set VIGIL_DATABASE_URL to choose)\n"
    assert bare("list") == (0, "No open incidents (--all includes resolved and closed ones).\n", default)
    assert "nothing to do" in bare("db", "upgrade")[1]


def test_a_missing_folder_or_schema_is_one_line(bare: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", f"sqlite:///{tmp_path}/no/such/folder/vigil.db")
    code, _, err = bare("db", "upgrade")
    assert code == 1 and one_line(err)
    assert f"the folder {tmp_path}/no/such/folder does not exist. Create it (mkdir -p" in err
    (tmp_path / "empty.db").touch()
    monkeypatch.setenv("VIGIL_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    for argv in (("list",), ("show", "INC-2026-0001"), ("--as", "U_A", "declare", "x", "--type", "other",
                 "--severity", "SEV3")):  # fmt: skip
        code, _, err = bare(*argv)
        assert code == 1 and one_line(err), err
        assert err.startswith(f"vigil: The database {tmp_path}/empty.db lacks Vigil's tables or is behind this")
        assert err.endswith("version: run `vigil db upgrade`.\n")


@contextmanager
def empty_postgresql_database() -> Iterator[str]:
    name = f"vigil_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgresql
def test_postgresql_mistakes_are_one_line(bare: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    server = PG_ADMIN_URL.rsplit("/", 1)[0]
    monkeypatch.setenv("VIGIL_DATABASE_URL", f"{server}/vigil_never_created")
    code, _, err = bare("list")
    assert code == 1 and one_line(err)
    assert "has no database 'vigil_never_created': create it (createdb -h 127.0.0.1 -p 5432 vigil_never_created)" in err
    monkeypatch.setenv("VIGIL_DATABASE_URL", "postgresql://vigil:s3cret@127.0.0.1:1/vigil")
    code, _, err = bare("db", "upgrade")
    assert code == 1 and one_line(err) and "s3cret" not in err
    assert "Nothing accepts connections at 127.0.0.1:1: start PostgreSQL" in err
    monkeypatch.setenv("VIGIL_DATABASE_URL", "postgresql://vigil@127.0.0.1:notaport/vigil")
    code, _, err = bare("list")
    assert code == 1 and one_line(err) and "VIGIL_DATABASE_URL has a port that is not a number" in err
    with empty_postgresql_database() as url:
        monkeypatch.setenv("VIGIL_DATABASE_URL", url)
        code, _, err = bare("list")
        assert code == 1 and one_line(err) and "lacks Vigil's tables" in err and "run `vigil db upgrade`" in err
        code, out, _ = bare("db", "upgrade")
        assert code == 0 and out.startswith("Set up the empty database postgresql") and " at revision " in out


@pytest.mark.postgresql
def test_serve_migrates_sqlite_itself_and_refuses_an_old_postgresql_schema(
    bare: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "bot.db"
    assert prepare_database(load_settings(database_url=f"sqlite:///{file}")) is None
    assert migrate.is_current(f"sqlite:///{file}")
    assert capsys.readouterr().err == f"vigil serve: brought {file} to the newest schema.\n"
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    with empty_postgresql_database() as url:
        monkeypatch.setenv("VIGIL_DATABASE_URL", url)
        code, _, err = bare("serve")
    assert code == 2 and one_line(err)
    assert err.startswith("vigil serve: the database ") and "at revision no schema" in err
    assert "run `vigil db upgrade` first (on PostgreSQL migrations are an operator step)" in err


def test_stored_text_cannot_drive_the_terminal(vigil: Run, domain: Domain) -> None:
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx, actor="U_ALICE", title=HOSTILE_TITLE, types=["fraud_scam"], severity=Severity.SEV3,
            summary="Line one\nline two \x1b]0;pwned\x07\x07",
        ).ref  # fmt: skip
        timeline.add_note(ctx, ref, actor="U_ALICE", text="note\r\x1b[Aoverwritten \x08\x7f\u2066hidden\u2069")
    outputs = [vigil("list", "--all")[1], vigil("show", ref)[1], vigil("show", "INC-\x1b[2J\u202e1")[2]]
    for out in outputs:
        assert not any(c in out for c in "\x1b\x07\x08\x7f\x9b\r\u202e\u202c\u2066\u2069"), repr(out)
    listing, detail, error = outputs
    assert listing.count("\n") == 1 and "Spam wave click edoc" in listing
    assert "summary: Line one\nline two" in detail and "note[Aoverwritten hidden" not in detail
    assert "noteoverwritten hidden" in detail
    assert error.startswith("vigil: ") and error.count("\n") == 1


HOSTILE_TITLE = (
    "Spam \x1b[2J\x1b[1;1Hwave \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \u202eedoc\u202c\x9b31m"
)


def test_parties_from_the_terminal_for_members_only(vigil: Run, domain: Domain) -> None:
    code, out, _ = vigil("--as", "U_ALICE", "declare", "Doxxing of a streamer", "--type", "other", "--severity", "SEV2")
    ref = out.split()[1].rstrip(":")
    assert vigil("--as", "U_ALICE", "note", ref, "Jane Doe called; her handle is @jdoe_99")[0] == 0
    code, out, err = vigil(
        "--as", "U_ALICE", "parties", "add", ref, "--role", "reporter", "--name", "Jane Doe", "--handle", "jdoe_99"
    )
    assert (code, out, err) == (0, f"Added party 1 (Reporter) to {ref}.\n", "")
    code, out, _ = vigil("--as", "U_ALICE", "parties", "list", ref)
    assert out == "1. Reporter: Jane Doe, @jdoe_99\n"
    code, _, err = vigil("--as", "U_MALLORY", "parties", "list", ref)
    assert code == 1 and f"Only members of {ref}" in err and one_line(err)
    code, out, _ = vigil("--as", "U_ALICE", "parties", "erase", ref, "reporter")
    assert out == f"Erased Reporter from {ref}: 2 replacements.\n"
    code, out, _ = vigil("show", ref)
    assert "Reporter called; her handle is Reporter" in out and "Jane" not in out


def test_every_command_and_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser, commands = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    listing = capsys.readouterr().out
    for command in COMMANDS:
        assert re.search(rf"^\s+{command.name}\s+\w", listing, re.MULTILINE), command.name
    undocumented = []
    parsers = [(f"vigil {c.name}", commands.define(c.name)) for c in COMMANDS]
    while parsers:
        name, each = parsers.pop()
        assert each.description or name.count(" ") > 1, name
        for action in each._actions:
            if isinstance(action, argparse._SubParsersAction):  # nested steps: walk into each
                parsers += [(f"{name} {step}", sub) for step, sub in action.choices.items()]
                undocumented += [f"{name} {c.dest}" for c in action._choices_actions if not c.help]
            elif not action.help:
                undocumented.append(f"{name} {action.dest}")
    assert undocumented == []


def test_help_and_reads_load_only_what_they_need(tmp_path: Path) -> None:
    """`vigil --help` and the read commands answer fast because they never import the bot, the web view, Alembic,
    Jinja or Presidio; `vigil --help` not even SQLAlchemy (bench/bench_cli.py measures the times)."""
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    migrate.upgrade(url)
    heavy = [
        "alembic",
        "jinja2",
        "presidio_analyzer",
        "slack_sdk",
        "slack_bolt",
        "fastapi",
        "apscheduler",
        "bot",
        "web",
    ]
    probe = (
        "import sys; from vigil.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    )
    for argv, also in ((["--help"], ["sqlalchemy", "pydantic"]), (["list"], []), (["show", "INC-2026-0001"], [])):
        done = subprocess.run(
            [sys.executable, "-c", probe.format(heavy=heavy + also), *argv],
            capture_output=True, text=True, env={**os.environ, "VIGIL_DATABASE_URL": url}, cwd=tmp_path, check=False,
        )  # fmt: skip
        assert done.stdout.splitlines()[-1] == "", (argv, done.stdout, done.stderr)


def test_the_vigil_process_answers_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VIGIL_DATABASE_URL"}
    for argv in (["list"], ["severity", "INC-2026-0001", "SEV7", "--reason", "x"]):
        done = subprocess.run(
            [sys.executable, "-m", "vigil", *argv], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
        )
        assert done.returncode in (1, 2) and done.stdout == "" and one_line(done.stderr), done.stderr
    assert list(tmp_path.iterdir()) == []
