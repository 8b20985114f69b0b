"""People by name: who ``--as`` and person arguments may name, what Vigil learns from Slack (and for how long), and
the names a person reads in the terminal, the team review and digests instead of raw ids."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.people import PeopleDirectory
from emulators.slack import SlackEmulator
from incidents import actions, lifecycle, roles, timeline
from incidents.context import Ctx, Domain
from incidents.enums import Severity
from incidents.errors import VigilError
from incidents.mentions import Mention
from incidents.models import Person
from incidents.people import NAMES_EXPIRE_AFTER, Names, display, resolve_person, upsert_person
from incidents.queries import incident_to_show
from incidents.reviews import Audience, Format, load_templates, render_review
from incidents.scheduling.jobs import overdue_actions
from incidents.timesource import ManualTime
from vigil.cli import main

MAYA, SAM = "U0MAYA0001", "U0SAM00002"
UNKNOWN = (
    "No one called {} is known to Vigil; use their Slack id (U…) or e-mail, or `vigil people` to list who is known."
)

Vigil = Callable[..., tuple[int, str, str]]


@pytest.fixture
def known(domain: Domain) -> None:
    with domain.unit() as ctx:
        upsert_person(ctx, MAYA, display_name="Maya Patel", email="maya.patel@example.org")
        upsert_person(ctx, SAM, display_name="Sam Okafor", email="sam@example.org")


@pytest.fixture
def vigil(domain: Domain, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Vigil:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _declare(ctx: Ctx, actor: str = MAYA, commander: str | None = None) -> str:
    incident = lifecycle.declare(
        ctx,
        actor=actor,
        title="Brigading of a creator",
        types=["hate_harassment"],
        severity=Severity.SEV2,
        commander=commander,
    )
    return incident.ref


# --- resolve_person ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["@Maya Patel", "@maya", "maya", "@maya.patel", "maya.patel@example.org", "MAYA.PATEL@example.org", MAYA],
)
def test_a_person_is_found_by_id_name_first_name_or_email(ctx: Ctx, known: None, typed: str) -> None:
    assert resolve_person(ctx, typed) == MAYA


def test_an_unknown_person_is_refused_in_one_line(ctx: Ctx, known: None) -> None:
    for typed in ("@nobody", "nobody", "nobody@example.org"):
        with pytest.raises(VigilError) as refused:
            resolve_person(ctx, typed)
        assert refused.value.message == UNKNOWN.format(typed)


def test_two_people_of_the_same_first_name_must_be_told_apart(ctx: Ctx, known: None) -> None:
    upsert_person(ctx, "U0MAYA0003", display_name="Maya Lin")
    with pytest.raises(VigilError, match=r"@maya could be any of Maya Lin \(U0MAYA0003\), Maya Patel \(U0MAYA0001\)"):
        resolve_person(ctx, "@maya")
    assert resolve_person(ctx, "@maya lin") == "U0MAYA0003"


def test_new_slack_ids_and_terminal_users_are_remembered(ctx: Ctx) -> None:
    assert resolve_person(ctx, "U0NEW0001") == "U0NEW0001"
    assert resolve_person(ctx, "cli:alice") == "cli:alice"
    assert display(ctx, "cli:alice") == "alice"
    assert resolve_person(ctx, "@alice") == "cli:alice"
    assert ctx.session.get(Person, "U0NEW0001") is not None


def test_someone_slack_says_does_not_exist_is_refused(ctx: Ctx) -> None:
    ctx.session.add(Person(key="U0GONE0001", missing=True))
    with pytest.raises(VigilError, match="Slack says there is no user U0GONE0001"):
        resolve_person(ctx, "U0GONE0001")


# --- learning names from Slack ------------------------------------------------------------------------------------


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(enforce_rate_limits=False) as emulator:
        yield emulator


def test_names_are_learnt_once_and_again_after_they_expire(
    domain: Domain, time_source: ManualTime, slack: SlackEmulator
):
    maya = slack.add_user("maya", "Maya Patel", "maya@example.org")
    directory = PeopleDirectory(WebClient(token=slack.bot_token, base_url=slack.web_api_url), domain)

    directory.learn([maya, "cli:alice", "vigil"])
    directory.learn([maya])
    assert len(slack.calls_to("users.info")) == 1
    with domain.unit() as ctx:
        assert display(ctx, maya) == "Maya Patel"

    with domain.unit() as ctx:
        upsert_person(ctx, maya, display_name="Maya P. (an old name)")
    time_source.advance(NAMES_EXPIRE_AFTER + timedelta(minutes=1))
    directory.learn([maya])
    assert len(slack.calls_to("users.info")) == 2
    with domain.unit() as ctx:
        assert display(ctx, maya) == "Maya Patel"


def test_a_user_slack_does_not_know_is_asked_about_once(domain: Domain, slack: SlackEmulator) -> None:
    directory = PeopleDirectory(WebClient(token=slack.bot_token, base_url=slack.web_api_url), domain)
    for _ in range(3):
        directory.learn(["U0NOSUCH01"])
    assert len(slack.calls_to("users.info")) == 1
    with domain.unit() as ctx:
        assert display(ctx, "U0NOSUCH01") == "U0NOSUCH01"
        with pytest.raises(VigilError, match="Slack says there is no user"):
            resolve_person(ctx, "U0NOSUCH01")


# --- what a person reads -----------------------------------------------------------------------------------------


def test_stored_mentions_read_as_names_outside_slack(ctx: Ctx, known: None) -> None:
    names = Names.load(ctx, [MAYA, SAM])
    typed = f"ask @{SAM} to check"  # captured before Vigil knew Sam's name
    assert names.text(typed, {"mentions": [Mention(SAM, 4, 4 + len(SAM) + 1).as_data()]}) == "ask @Sam Okafor to check"
    assert names.text(f"<@{MAYA}> is now scribe.") == "@Maya Patel is now scribe."
    assert names.display("vigil") == "Vigil" and names.display("cli:root") == "root" and names.display(None) == "—"


def test_the_terminal_shows_people_by_name(vigil: Vigil, domain: Domain, known: None) -> None:
    with domain.unit() as ctx:
        ref = _declare(ctx)
        timeline.add_note(ctx, ref, actor=SAM, text=f"Paged @{MAYA}", mentions=[Mention(MAYA, 6, 7 + len(MAYA))])
        actions.add_action(ctx, ref, actor=MAYA, title="Rate-limit new accounts", owner=SAM)

    code, out, _ = vigil("--as", "cli:root", "role", ref, "scribe", SAM)
    assert (code, out.strip()) == (0, f"Sam Okafor is now scribe on {ref}.")
    code, out, _ = vigil("show", ref)
    assert code == 0
    assert "by Maya Patel" in out
    assert "commander      Maya Patel" in out and "scribe         Sam Okafor" in out
    assert "Sam Okafor: Rate-limit new accounts" in out
    assert "Sam Okafor: Paged @Maya Patel" in out
    assert "@Sam Okafor is now scribe." in out
    assert MAYA not in out and SAM not in out and "<@" not in out
    code, out, _ = vigil("list")
    assert "Maya Patel" in out and MAYA not in out


def test_vigil_people_lists_and_names_people(vigil: Vigil, known: None) -> None:
    assert vigil("--as", "cli:ops", "people", "name", "U0LEE00001", "Lee Harper", "--email", "lee@example.org")[:2] == (
        0,
        "U0LEE00001 is Lee Harper.\n",
    )
    code, out, _ = vigil("people")
    lines = out.splitlines()
    assert code == 0 and [line.split()[0] for line in lines] == ["U0LEE00001", MAYA, "cli:ops", SAM]
    assert "lee@example.org" in lines[0]
    code, _, err = vigil("people", "name", "nobody", "No One")
    assert code == 1 and err.count("\n") == 1 and "not a person's key" in err


def test_the_team_review_names_people_and_leadership_keeps_role_tokens(domain: Domain, known: None) -> None:
    with domain.unit() as ctx:
        resolve_person(ctx, "cli:alice")
        ref = _declare(ctx, actor="cli:alice", commander=MAYA)
        roles.assign_role(ctx, ref, actor="cli:alice", role="scribe", person="cli:alice")
        timeline.add_note(ctx, ref, actor="cli:alice", text=f"Paged @{SAM}", mentions=[Mention(SAM, 6, 7 + len(SAM))])
    templates = load_templates()
    with domain.unit() as ctx:
        team = render_review(ctx, ref, actor=MAYA, audience=Audience.TEAM, fmt=Format.MARKDOWN, templates=templates)
        leaders = render_review(
            ctx, ref, actor=MAYA, audience=Audience.LEADERSHIP, fmt=Format.MARKDOWN, templates=templates
        )
    assert "Maya Patel" in team and "Paged @Sam Okafor" in team and "alice" in team
    assert MAYA not in team and SAM not in team and "cli:" not in team
    for name in ("Maya", "Patel", "Sam", "Okafor", "alice", MAYA, SAM):
        assert name not in leaders, name
    assert "Commander" in leaders


def test_the_actions_digest_names_owners_without_slack(domain: Domain, time_source: ManualTime) -> None:
    with domain.unit() as ctx:
        ref = _declare(ctx)
        upsert_person(ctx, "cli:ana", display_name="Ana Lima")
        actions.add_action(
            ctx, ref, actor=MAYA, title="Fix filters", owner="cli:ana", due_date=time_source.now().date()
        )
    time_source.advance(timedelta(days=2))
    with domain.unit() as ctx:
        listed = overdue_actions(ctx)["actions"]
    assert isinstance(listed, list) and listed[0]["owner_name"] == "Ana Lima"


@pytest.mark.slow  # plays the whole demo
def test_the_demo_record_names_its_people(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    assert main(["demo"]) == 0
    record = capsys.readouterr().out.split("The incident as Vigil recorded it")[1]
    assert "declared" in record and " by maya " in record
    assert "commander      sam" in record and "legal          lee" in record
    assert "ari: Add cancellation-threat keywords" in record
    assert "@sam accepted command from @maya" in record
    assert not re.search(r"\bU[A-Z0-9]{6,}\b", record) and "<@" not in record


def test_as_and_person_arguments_take_names_and_emails(vigil: Vigil, domain: Domain, known: None) -> None:
    code, out, err = vigil("--as", "@maya", "declare", "Scam wave", "--type", "fraud_scam", "--severity", "SEV3")
    assert code == 0, err
    ref = out.split()[1].rstrip(":")
    assert vigil("--as", "maya.patel@example.org", "role", ref, "scribe", "@Sam Okafor")[0] == 0
    assert vigil("--as", MAYA, "action", "add", ref, "Block the links", "--owner", "sam@example.org")[0] == 0
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        assert incident.declared_by == MAYA
        assert incident.current_holders("scribe") == [SAM]
        assert [a.owner for a in incident.actions] == [SAM]


@pytest.mark.parametrize("who", ["@nobody", "nobody", "nobody@example.org"])
def test_an_unknown_person_is_refused_by_the_cli(vigil: Vigil, domain: Domain, known: None, who: str) -> None:
    with domain.unit() as ctx:
        ref = _declare(ctx)
    for argv in (("--as", who, "ack", ref), ("--as", MAYA, "role", ref, "scribe", who)):
        code, out, err = vigil(*argv)
        assert (code, out, err) == (1, "", f"vigil: {UNKNOWN.format(who)}\n")
