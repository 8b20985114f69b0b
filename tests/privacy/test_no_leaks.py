"""Property: personal data planted through any public way in never reaches a leadership surface.

Hypothesis plants personal data of every category (tests/privacy/pii.py) through Slack (slash commands and the party
modal, against the emulator), the intake API (over HTTP) and the CLI, into incidents of every tier: in titles,
summaries, notes, status updates, action titles, playbook steps' skip reasons, referrals' notes and decisions (the
API), reports sent as signals (their text, reporter and subject, through the API), and as recorded parties mentioned
in free text. Every leadership surface is then rendered (tests/privacy/surfaces.py) and must hold none of it; the
team's version must hold all of it, which proves each planted value really reached the incident.

Fields that hold a person by definition (the API's reported_by, a report's reporter) get names no detector could
know for one: only their structure keeps them from leadership, and from everyone beyond the incident's members.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.ids import Field, ViewId
from incidents import actions
from incidents.apikeys.service import SCOPES
from incidents.context import Domain
from incidents.enums import Tier
from incidents.signals import triage
from tests.api.conftest import MakeKey, client_for
from tests.bot.conftest import BotUnderTest
from tests.privacy.pii import ANY, TITLE_SAFE, Person, Planted, people
from tests.privacy.surfaces import beyond_members_text, leadership_text, readable, team_text
from tests.privacy.unknown_people import unknown_people
from vigil.cli import main
from web.api import build_api_router
from web.app import build_web_app
from web.server import WebServer

pytestmark = pytest.mark.slow  # a sweep over every way in and every category; tests/privacy/test_*.py each case
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),  # a leak is reported as found: shrinking would declare hundreds more
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Plan:
    tier: Tier
    title: Planted
    summary: Planted
    note: Planted
    update: Planted
    action: Planted
    party: Person
    party_handle: str
    skip_reason: Planted
    referral_note: Planted
    outcome: Planted
    report: Planted
    reporter: Planted
    reported_by: Planted


plans = st.builds(
    Plan,
    tier=st.sampled_from(list(Tier)),
    title=TITLE_SAFE,
    summary=ANY,
    note=ANY,
    update=ANY,
    action=ANY,
    party=people,
    party_handle=st.from_regex(r"[a-z]{4,8}_[0-9]{2,4}", fullmatch=True),
    skip_reason=ANY,
    referral_note=ANY,
    outcome=ANY,
    report=ANY,
    reporter=st.one_of(ANY, unknown_people()),
    reported_by=unknown_people(),
)


class WayIn(Protocol):
    member: str

    def run(self, plan: Plan) -> str:
        """Declare an incident carrying the plan's personal data; return its reference."""
        ...


def _title(plan: Plan) -> str:
    return f"Harassment case: {plan.title.text}"[:150]


def _party_note(plan: Plan) -> str:
    return f"{plan.party.name} (@{plan.party_handle}) says {plan.party.first} is scared"


def check(domain: Domain, way: WayIn, plan: Plan, *extra: Planted, persons: tuple[Planted, ...] = ()) -> None:
    """``extra``: what else ``way`` planted; ``persons``: what it planted in fields that hold a person, which no one
    beyond the members may read."""
    ref = way.run(plan)
    team = team_text(domain, ref, way.member)
    leadership = leadership_text(domain, ref)
    written = [plan.title, plan.summary, plan.note, plan.update, plan.action, *extra]
    planted = [*written, *persons]
    secrets = [s for p in planted for s in p.secrets]
    secrets += [plan.party.name, plan.party_handle]
    for secret in secrets:
        source = next((p.text for p in planted if secret in p.secrets), secret)
        assert readable(secret) in team, f"control: {secret!r} (planted in {source!r}) never reached {ref}"
    leaked = [s for s in secrets if readable(s) in leadership]
    assert not leaked, f"{plan.tier.value} {ref}: {leaked} reached leadership"
    beyond = beyond_members_text(domain, ref, way.member)
    typed = readable(" ".join([*(p.text for p in written), _party_note(plan)]))  # read as typed, by everyone
    leaked = [s for p in persons for s in p.secrets if readable(s) in beyond and readable(s) not in typed]
    assert not leaked, f"{plan.tier.value} {ref}: {leaked} reached readers beyond its members"


# --- the intake API ---------------------------------------------------------------------------------------------


@dataclass
class ApiWay:
    http: httpx.Client
    domain: Domain
    member: str = "api:hotline"
    """The key's own principal: it declares, so it is a member."""

    def run(self, plan: Plan) -> str:
        body = {
            "title": _title(plan),
            "summary": plan.summary.text,
            "types": ["hate_harassment", "threat_violence"],  # the second brings a playbook
            "severity": "SEV2",
            "tier": plan.tier.value,
        }
        declared = self.http.post("/api/v1/incidents", json=body)
        assert declared.status_code == 201, declared.text
        ref = declared.json()["ref"]
        for path, payload in (
            (f"/api/v1/incidents/{ref}/parties", {"role": "affected_person", "name": plan.party.name}),
            (f"/api/v1/incidents/{ref}/parties", {"role": "subject_account", "handle": plan.party_handle}),
            (f"/api/v1/incidents/{ref}/timeline", {"text": plan.note.text, "reported_by": plan.reported_by.text}),
            (f"/api/v1/incidents/{ref}/timeline", {"text": _party_note(plan)}),
            (f"/api/v1/incidents/{ref}/updates", {"summary": plan.update.text}),
        ):
            answer = self.http.post(path, json=payload)
            assert answer.status_code in (200, 201), answer.text
        step = self.http.get(f"/api/v1/incidents/{ref}/tasks").json()["items"][0]["id"]
        skipped = self.http.post(f"/api/v1/incidents/{ref}/tasks/{step}/skip", json={"reason": plan.skip_reason.text})
        assert skipped.status_code == 201, skipped.text
        body = {"kind": "user_dispute", "note": plan.referral_note.text}
        referral = self.http.post(f"/api/v1/incidents/{ref}/referrals", json=body)
        assert referral.status_code == 201, referral.text
        decision = {"status": "decided", "outcome": plan.outcome.text}
        decided = self.http.post(f"/api/v1/referrals/{referral.json()['id']}/changes", json=decision)
        assert decided.status_code in (200, 201), decided.text
        with self.domain.unit() as ctx:  # the API has no actions route: add it as the key's principal would
            actions.add_action(ctx, ref, actor=self.member, title=plan.action.text)
        self._report(ref, plan)
        return ref

    def _report(self, ref: str, plan: Plan) -> None:
        """A report about the incident's subject, attached to it from triage."""
        report = {
            "source": "hotline",
            "type": "hate_harassment",
            "group_key": ref,
            "subject": plan.party_handle,
            "reporter": plan.reporter.text,
            "text": plan.report.text,
        }
        answer = self.http.post("/api/v1/signals", json=report)
        assert answer.status_code == 201, answer.text
        group = answer.json()["signals"][0]["group"]
        self.domain.run(lambda ctx: triage.attach(ctx, group, ref, actor=self.member))


@pytest.fixture
def api_way(domain: Domain, make_key: MakeKey) -> Iterator[ApiWay]:
    token = make_key(scopes=SCOPES, all_tiers=True)
    with WebServer(build_web_app(domain, [build_api_router(domain)])) as server, client_for(server, token) as http:
        yield ApiWay(http, domain)


def test_nothing_planted_through_the_api_reaches_leadership(domain: Domain, api_way: ApiWay) -> None:
    _fuzz(
        domain,
        api_way,
        also=lambda plan: [plan.skip_reason, plan.referral_note, plan.outcome, plan.report],
        persons=lambda plan: [plan.reporter, plan.reported_by],
    )


# --- the CLI ----------------------------------------------------------------------------------------------------


@dataclass
class CliWay:
    vigil: Callable[..., str]
    member: str = "U0CLIALICE"

    def run(self, plan: Plan) -> str:
        out = self.vigil(
            "declare", _title(plan), "--type", "hate_harassment", "--severity", "SEV2", "--tier", plan.tier.value,
            "--summary", plan.summary.text,
        )  # fmt: skip
        ref = out.split()[1].rstrip(":")
        self.vigil("parties", "add", ref, "--role", "witness", "--name", plan.party.name, "--handle", plan.party_handle)
        self.vigil("note", ref, plan.note.text)
        self.vigil("note", ref, _party_note(plan))
        self.vigil("update", ref, plan.update.text)
        self.vigil("action", "add", ref, plan.action.text)
        return ref


@pytest.fixture
def cli_way(domain: Domain, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliWay:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)

    def vigil(*argv: str) -> str:
        code = main(["--as", CliWay.member, *argv])
        out, err = capsys.readouterr()
        assert code == 0, (argv, err)
        return out

    return CliWay(vigil)


def test_nothing_planted_through_the_cli_reaches_leadership(domain: Domain, cli_way: CliWay) -> None:
    _fuzz(domain, cli_way)


# --- Slack ------------------------------------------------------------------------------------------------------


@dataclass
class SlackWay:
    bot: BotUnderTest

    @property
    def member(self) -> str:
        return self.bot.people.alice

    def run(self, plan: Plan) -> str:
        tier = "" if plan.tier is Tier.STANDARD else f"tier:{plan.tier.value} "
        ref, channel = self.bot.declare(f"SEV2 type:hate_harassment {tier}{_title(plan)}")
        self._party(channel.id, plan)
        for command in (
            f"note {plan.note.text}",
            f"note {_party_note(plan)}",
            f"note {plan.summary.text}",
            f"action {plan.action.text}",
        ):
            reply = self.bot.reply(self.bot.command(command, channel=channel.id))
            assert "Usage" not in reply, reply
        self._update(channel.id, plan)
        self.bot.settle()
        return ref

    def _party(self, channel: str, plan: Plan) -> None:
        self.bot.command("party", channel=channel)
        view_id = self._form(ViewId.PARTY)
        values = {Field.PARTY_ROLE: "reporter", Field.PARTY_NAME: plan.party.name, Field.HANDLE: plan.party_handle}
        added = self.bot.emu.submit_view(view_id, self.member, {str(k): {str(k): v} for k, v in values.items()})
        assert added.problems == []

    def _update(self, channel: str, plan: Plan) -> None:
        self.bot.command("update", channel=channel)
        view_id = self._form(ViewId.UPDATE)
        values = {Field.SUMMARY: plan.update.text}
        posted = self.bot.emu.submit_view(view_id, self.member, {str(k): {str(k): v} for k, v in values.items()})
        assert posted.problems == []

    def _form(self, callback: str) -> str:
        emu = self.bot.emu

        def open_form() -> str | None:
            return next(
                (
                    v.id
                    for v in emu.views.values()
                    if v.user == self.member and v.view.get("callback_id") == callback and not v.closed
                ),
                None,
            )

        return self.bot.wait_for(open_form)


def test_nothing_planted_through_slack_reaches_leadership(bot: BotUnderTest) -> None:
    _fuzz(bot.domain, SlackWay(bot), examples=6)


def _fuzz(
    domain: Domain,
    way: Any,
    examples: int = FUZZ.max_examples,
    also: Callable[[Plan], list[Planted]] = lambda plan: [],
    persons: Callable[[Plan], list[Planted]] = lambda plan: [],
) -> None:
    """``also``: what else ``way`` plants beyond what every way plants; ``persons``: what it plants in fields that
    hold a person."""

    @settings(FUZZ, max_examples=examples)
    @given(plan=plans)
    def planted_anywhere(plan: Plan) -> None:
        check(domain, way, plan, *also(plan), persons=tuple(persons(plan)))

    planted_anywhere()
