"""The access policy, as a table: every (viewer kind, tier, membership, act) answered by
:func:`incidents.access.allows`, compared with the table written out below; then every surface (web pages and
CSV, the intake API, the CLI, Slack's reads, the review published to a channel) asked the same questions for real,
and compared with the policy. A surface that shows more (or less) than the policy says is a row of the mismatch
list: the first such row was a standard incident's published team review showing its sensitive entries to any
signed-in non-member."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import event

from bot.ids import PostingKind
from bot.review_port import Target
from incidents import lifecycle, timeline
from incidents.access import Act, Audience, ViewerKind, Who, allows, counts_restricted
from incidents.access.reading import open_incident
from incidents.access.viewers import make_viewer
from incidents.apikeys import service as apikeys
from incidents.apikeys.service import READ, WRITE
from incidents.context import Domain
from incidents.enums import Severity, Tier
from incidents.errors import NotFound, VigilError
from incidents.parties import service as parties
from incidents.parties.models import PartyRole
from incidents.people import upsert_person
from incidents.queries import IncidentFilter, list_incidents
from incidents.referrals import service as referrals
from incidents.reviews import (
    Format,
    ReviewFields,
    ReviewTemplates,
    load_templates,
    publish_review,
    render_review,
    review_document,
    submit_for_review,
    update_review,
)
from incidents.settings import Settings
from incidents.web_sessions import SessionPerson, start_session
from vigil.cli import main
from web.api import build_api_router
from web.app import build_web_app
from web.pages import WebConfig, web_pages_router
from web.server import WebServer

# ── the table ───────────────────────────────────────────────────────────────────────────────────────────────────

COLUMNS = (
    Act.SEE_INCIDENT, Act.SEE_ENTRIES, Act.SEE_NAMES, Act.SEE_SENSITIVE_ENTRIES, Act.SEE_PARTIES, Act.SEE_REFERRALS,
    Act.SEE_SIGNALS, Act.SEE_TEAM_REVIEW, Act.SEE_LEADERSHIP_REVIEW, Act.SEE_DRAFT_REVIEW, Act.EDIT, Act.EDIT_PARTIES,
    Act.EDIT_REVIEW,
)  # fmt: skip
TABLE = """
                                     incid entri names sensi parti refer signa teamr leadr draft edit  editp editr
person            standard   other     Y     Y     Y     -     -     Y     -     Y     Y     -     Y     -     Y
person            standard   member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
person            restricted other     -     -     -     -     -     -     -     -     -     -     -     -     -
person            restricted member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
leadership        standard   other     Y     Y     -     -     -     Y     -     -     Y     -     -     -     -
leadership        standard   member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
leadership        restricted other     Y     -     -     -     -     Y     -     -     Y     -     -     -     -
leadership        restricted member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
api_key           standard   other     Y     Y     Y     -     -     Y     -     Y     Y     -     Y     -     Y
api_key           standard   member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
api_key           restricted other     -     -     -     -     -     -     -     -     -     -     -     -     -
api_key           restricted member    -     -     -     -     -     -     -     -     -     -     -     -     -
api_key_all_tiers standard   other     Y     Y     Y     -     -     Y     -     Y     Y     -     Y     -     Y
api_key_all_tiers standard   member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
api_key_all_tiers restricted other     Y     Y     Y     -     -     Y     -     -     Y     -     Y     -     -
api_key_all_tiers restricted member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
channel           standard   other     Y     Y     Y     -     -     Y     -     Y     Y     -     -     -     -
channel           standard   member    Y     Y     Y     -     -     Y     -     Y     Y     -     -     -     -
channel           restricted other     Y     Y     Y     Y     -     Y     -     Y     Y     -     -     -     -
channel           restricted member    Y     Y     Y     Y     -     Y     -     Y     Y     -     -     -     -
operator          standard   other     Y     Y     Y     Y     -     Y     -     Y     Y     Y     Y     -     Y
operator          standard   member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
operator          restricted other     Y     Y     Y     Y     -     Y     -     -     Y     -     Y     -     -
operator          restricted member    Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y
"""
""""restricted" rows hold for highly restricted incidents too. "other": a viewer who is not a member."""
DECLARES = {
    ViewerKind.PERSON: set(Tier),
    ViewerKind.LEADERSHIP: set(),
    ViewerKind.API_KEY: {Tier.STANDARD},
    ViewerKind.API_KEY_ALL_TIERS: set(Tier),
    ViewerKind.CHANNEL: set(),
    ViewerKind.OPERATOR: set(Tier),
}
Cell = tuple[ViewerKind, Tier, bool]


def expected() -> dict[tuple[ViewerKind, bool, bool], dict[Act, bool]]:
    """(kind, restricted, member) → act → allowed, read from :data:`TABLE`."""
    rows: dict[tuple[ViewerKind, bool, bool], dict[Act, bool]] = {}
    for line in TABLE.strip().splitlines()[1:]:
        kind, tier, who, *marks = line.split()
        assert len(marks) == len(COLUMNS), line
        rows[ViewerKind(kind), tier == "restricted", who == "member"] = {
            act: mark == "Y" for act, mark in zip(COLUMNS, marks, strict=True)
        }
    return rows


def cells(*kinds: ViewerKind) -> Iterator[Cell]:
    for kind in kinds or tuple(ViewerKind):
        for tier in Tier:
            for member in (False, True):
                yield kind, tier, member


def test_the_policy_answers_as_the_table_says() -> None:
    table = expected()
    assert set(COLUMNS) | {Act.DECLARE} == set(Act), "an act without a column"
    assert len(table) == len(ViewerKind) * 2 * 2, "a (kind, tier, membership) without a row"
    wrong = [
        (kind.value, tier.value, member, act.value)
        for kind, tier, member in cells()
        for act in COLUMNS
        if allows(kind, tier, member, act) is not table[kind, tier.is_restricted, member][act]
    ]
    wrong += [
        (kind.value, tier.value, member, "declare")
        for kind, tier, member in cells()
        if allows(kind, tier, member, Act.DECLARE) is not (tier in DECLARES[kind])
    ]
    assert wrong == []


def test_membership_never_takes_anything_away() -> None:
    for kind, tier, _member in cells():
        for act in Act:
            assert allows(kind, tier, True, act) or not allows(kind, tier, False, act), (kind, tier, act)


def test_figures_count_restricted_incidents_only_for_those_who_may_know_them_all() -> None:
    assert {k for k in ViewerKind if counts_restricted(k)} == {
        ViewerKind.LEADERSHIP,
        ViewerKind.API_KEY_ALL_TIERS,
        ViewerKind.CHANNEL,
        ViewerKind.OPERATOR,
    }


# ── the surfaces ────────────────────────────────────────────────────────────────────────────────────────────────

TEAM = Audience.TEAM
MEMBER, LEAD_MEMBER = "U0MEMBER", "U0LEADMEMBER"
OUTSIDER, LEAD = "U0OUTSIDER", "U0LEAD"
KEYS = {(ViewerKind.API_KEY_ALL_TIERS, True): "member-all", (ViewerKind.API_KEY_ALL_TIERS, False): "other-all",
        (ViewerKind.API_KEY, True): "member-std", (ViewerKind.API_KEY, False): "other-std"}  # fmt: skip
PEOPLE = {(ViewerKind.PERSON, True): MEMBER, (ViewerKind.PERSON, False): OUTSIDER,
          (ViewerKind.LEADERSHIP, True): LEAD_MEMBER, (ViewerKind.LEADERSHIP, False): LEAD,
          (ViewerKind.OPERATOR, True): MEMBER, (ViewerKind.OPERATOR, False): OUTSIDER,
          (ViewerKind.CHANNEL, True): MEMBER, (ViewerKind.CHANNEL, False): OUTSIDER}  # fmt: skip
NAME = "Maya Member"
SECRET = "access-policy-table-session-secret-xx"
Seen = dict[tuple[str, ViewerKind, Tier, bool, Act], bool]


def plain(tier: Tier) -> str:
    return f"Routine note on the {tier.value} wave"


def sensitive(tier: Tier) -> str:
    return f"Graphic detail from the {tier.value} wave"


@dataclass(frozen=True)
class World:
    refs: dict[Tier, str]
    tokens: dict[str, str]
    """API key name → its token."""


def build(domain: Domain) -> World:
    """One incident per tier, declared by Maya (a Slack user, a member) with a leader and two API keys (one of each
    kind) holding roles; each incident with a plain and a sensitive note, a party, a referral and a published
    review. Everyone else, and the other two keys, are members of nothing."""
    refs: dict[Tier, str] = {}
    tokens: dict[str, str] = {}
    with domain.unit() as ctx:
        upsert_person(ctx, MEMBER, display_name=NAME, email="maya@example.org")
        for key in (LEAD_MEMBER, OUTSIDER, LEAD):
            upsert_person(ctx, key, display_name=f"Person {key[2:].title()}")
        for (kind, _member), name in KEYS.items():
            all_tiers = kind is ViewerKind.API_KEY_ALL_TIERS
            _key, tokens[name] = apikeys.create_key(
                ctx, actor="cli:ops", name=name, scopes=[READ, WRITE], all_tiers=all_tiers, rate_per_minute=10_000
            )
    for tier in Tier:
        refs[tier] = _incident(domain, tier)
    return World(refs, tokens)


def _incident(domain: Domain, tier: Tier) -> str:
    with domain.unit() as ctx:
        roles = {"deputy": LEAD_MEMBER, "scribe": "api:member-all", "comms": "api:member-std"}
        title = f"Wave of {tier.value} scams"
        ref = lifecycle.declare(
            ctx, actor=MEMBER, title=title, types=["fraud_scam"], severity=Severity.SEV3, tier=tier, roles=roles
        ).ref
    steps: list[Callable[..., object]] = [
        lambda ctx: timeline.add_note(ctx, ref, actor=MEMBER, text=plain(tier)),
        lambda ctx: timeline.add_note(ctx, ref, actor=MEMBER, text=sensitive(tier), sensitive=True),
        lambda ctx: parties.add_party(ctx, ref, actor=MEMBER, role=PartyRole.REPORTER, name="Jane Doe"),
        lambda ctx: referrals.open_referral(ctx, ref, actor=MEMBER, kind="user_dispute"),
        lambda ctx: lifecycle.resolve(ctx, ref, actor=MEMBER),
        lambda ctx: update_review(ctx, ref, ReviewFields(executive_summary="Pages came down."), actor=MEMBER),
        lambda ctx: submit_for_review(ctx, ref, actor=MEMBER),
        lambda ctx: publish_review(ctx, ref, actor=MEMBER),
    ]
    for step in steps:
        with domain.unit() as ctx:
            step(ctx)
    return ref


def cookie(domain: Domain, key: str) -> str:
    """The session cookie a browser would hold after signing in as ``key`` (what Starlette's middleware signs)."""
    with domain.unit() as ctx:
        sid = start_session(ctx, SessionPerson(key, key, None))
    return TimestampSigner(SECRET).sign(base64.b64encode(json.dumps({"sid": sid}).encode())).decode()


def web_surface(domain: Domain, refs: dict[Tier, str], templates: ReviewTemplates) -> Seen:
    config = WebConfig(issuer="https://slack.com", discovery_url="http://127.0.0.1:9/none", client_id="id",
                       client_secret="secret", session_secret=SECRET, leadership=(LEAD, LEAD_MEMBER))  # fmt: skip
    seen: Seen = {}
    with WebServer(build_web_app(domain, [web_pages_router(domain, config, templates)])) as server:
        for kind, tier, member in cells(ViewerKind.PERSON, ViewerKind.LEADERSHIP):
            ref = refs[tier]
            headers = {"cookie": f"vigil_session={cookie(domain, PEOPLE[kind, member])}"}
            with httpx.Client(base_url=server.url + "/web", headers=headers, timeout=30) as client:
                page = client.get(f"/incidents/{ref}")
                team = client.get(f"/incidents/{ref}/review")
                leadership = client.get(f"/incidents/{ref}/review", params={"audience": "leadership"})
                listed = client.get("/incidents", params={"q": ref}).text
                csv = client.get("/export/incidents.csv").text
            shown = page.text if page.status_code == 200 else ""
            team_shown = team.text if team.status_code == 200 and "Team version" in team.text else ""
            observed = {
                Act.SEE_INCIDENT: page.status_code == 200 and f">{ref}</a>" in listed and f"{ref}," in csv,
                Act.SEE_ENTRIES: plain(tier) in shown,
                Act.SEE_NAMES: NAME in shown,
                Act.SEE_SENSITIVE_ENTRIES: sensitive(tier) in shown + team_shown,
                Act.SEE_TEAM_REVIEW: bool(team_shown),
                Act.SEE_LEADERSHIP_REVIEW: leadership.status_code == 200 and "Leadership version" in leadership.text,
            }
            assert sensitive(tier) not in leadership.text
            seen.update({("web", kind, tier, member, act): value for act, value in observed.items()})
    return seen


def api_surface(domain: Domain, world: World) -> Seen:
    seen: Seen = {}
    api = build_api_router(domain, Settings(web_base_url="https://vigil.example.org"))
    with WebServer(build_web_app(domain, [api])) as server:
        for kind, tier, member in cells(ViewerKind.API_KEY, ViewerKind.API_KEY_ALL_TIERS):
            ref, token = world.refs[tier], world.tokens[KEYS[kind, member]]
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.url + "/api/v1", headers=headers, timeout=30) as client:
                detail = client.get(f"/incidents/{ref}")
                feed = client.get("/incidents", params={"limit": 200}).json()["items"]
                listed_parties = client.get(f"/incidents/{ref}/parties")
                listed_referrals = client.get(f"/incidents/{ref}/referrals")
                noted = client.post(f"/incidents/{ref}/timeline", json={"text": "Checked from the hotline."})
                fresh = {"title": "Fresh scam wave", "types": ["fraud_scam"], "severity": "SEV4", "tier": tier.value}
                declared = client.post("/incidents", json=fresh)
            shown = detail.json() if detail.status_code == 200 else {}
            observed = {
                Act.SEE_INCIDENT: detail.status_code == 200 and ref in {i["ref"] for i in feed},
                Act.SEE_ENTRIES: shown.get("title") == f"Wave of {tier.value} scams",
                Act.SEE_NAMES: MEMBER in {r["person"] for r in shown.get("roles", [])},
                Act.SEE_PARTIES: listed_parties.status_code == 200,
                Act.SEE_REFERRALS: listed_referrals.status_code == 200,
                Act.EDIT: noted.status_code == 201,
                Act.DECLARE: declared.status_code == 201,
            }
            seen.update({("api", kind, tier, member, act): value for act, value in observed.items()})
    return seen


def cli_surface(refs: dict[Tier, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Seen:
    def run(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        out, _err = capsys.readouterr()
        return code, out

    seen: Seen = {}
    for kind, tier, member in cells(ViewerKind.OPERATOR):
        ref, key = refs[tier], PEOPLE[kind, member]
        shown, detail = run("--as", key, "show", ref)
        listed, _ = run("--as", key, "parties", "list", ref)
        team, leadership = tmp_path / f"{ref}-{key}-team.md", tmp_path / f"{ref}-{key}-leadership.md"
        team_code, _ = run("--as", key, "review", ref, "--format", "md", "--audience", "team", "-o", str(team))
        lead_code, _ = run("--as", key, "review", ref, "--audience", "leadership", "-o", str(leadership))
        team_text = team.read_text(encoding="utf-8") if team_code == 0 else ""
        observed = {
            Act.SEE_INCIDENT: shown == 0,
            Act.SEE_ENTRIES: plain(tier) in detail,
            Act.SEE_NAMES: NAME in detail,
            Act.SEE_SENSITIVE_ENTRIES: sensitive(tier) in detail and (team_code != 0 or sensitive(tier) in team_text),
            Act.SEE_PARTIES: listed == 0,
            Act.SEE_TEAM_REVIEW: team_code == 0,
            Act.SEE_LEADERSHIP_REVIEW: lead_code == 0,
        }
        seen.update({("cli", kind, tier, member, act): value for act, value in observed.items()})
    return seen


def slack_surface(domain: Domain, refs: dict[Tier, str], templates: ReviewTemplates) -> Seen:
    """What Slack's listeners ask the domain for a person in Slack (the home tab, ``/incident parties``, the review
    preview), and what the review port renders for the incident channel."""
    seen: Seen = {}
    for kind, tier, member in cells(ViewerKind.PERSON, ViewerKind.CHANNEL):
        ref, key = refs[tier], PEOPLE[kind, member]
        target = Target(Audience.TEAM, "C0INC", PostingKind.REVIEW_SUMMARY, PostingKind.REVIEW_FILE, f"{ref}.html")
        who = Who.person(key) if kind is ViewerKind.PERSON else target.reader(key)
        observed: dict[Act, bool] = {}
        with domain.unit() as ctx:
            try:
                html = render_review(ctx, ref, actor=who, audience=TEAM, fmt=Format.HTML, templates=templates)
            except (NotFound, VigilError):
                html = ""
            observed[Act.SEE_TEAM_REVIEW] = bool(html)
            observed[Act.SEE_SENSITIVE_ENTRIES] = sensitive(tier) in html
        if kind is ViewerKind.PERSON:
            with domain.unit() as ctx:
                home = list_incidents(ctx, IncidentFilter(visible_to=key), limit=100)
                observed[Act.SEE_INCIDENT] = ref in {i.ref for i in home}
                try:
                    observed[Act.SEE_PARTIES] = bool(parties.list_parties(ctx, ref, actor=who))
                except (NotFound, VigilError):
                    observed[Act.SEE_PARTIES] = False
        seen.update({("slack", kind, tier, member, act): value for act, value in observed.items()})
    return seen


@pytest.mark.slow  # the whole table through every surface; the other tests here take one case each
def test_every_surface_answers_as_the_policy_says(
    domain: Domain, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    templates = load_templates()
    world = build(domain)
    seen = {
        **web_surface(domain, world.refs, templates),
        **slack_surface(domain, world.refs, templates),
        **cli_surface(world.refs, tmp_path, capsys),
        **api_surface(domain, world),
    }
    mismatches = [
        f"{surface}: {kind.value} {'member' if member else 'other'} of {tier.value}: {act.value} "
        f"{'shown' if shown else 'refused'}, policy says {'yes' if allows(kind, tier, member, act) else 'no'}"
        for (surface, kind, tier, member, act), shown in sorted(seen.items(), key=str)
        if shown is not allows(kind, tier, member, act)
    ]
    assert not mismatches, "\n".join(mismatches)
    assert {surface for surface, *_ in seen} == {"web", "slack", "cli", "api"}


def test_a_refusal_reads_no_more_than_a_missing_reference(domain: Domain) -> None:
    """The decision comes from one light row, before the incident's history is loaded: a refused restricted
    incident issues the same statements as a reference never issued (so timing does not tell that it exists),
    on every surface that opens an incident by reference."""
    refs = build(domain).refs
    outsider = make_viewer(OUTSIDER, "Olly", None, ())

    def statements(read: Callable[[str], object], ref: str) -> list[str]:
        issued: list[str] = []

        def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
            issued.append(statement)

        event.listen(domain.engine, "before_cursor_execute", count)
        try:
            with pytest.raises((NotFound, VigilError)):
                read(ref)
        finally:
            event.remove(domain.engine, "before_cursor_execute", count)
        return issued

    def web(ref: str) -> object:
        with domain.unit() as ctx:
            return open_incident(ctx, ref, outsider)

    def review(ref: str) -> object:
        with domain.unit() as ctx:
            return review_document(ctx, ref, actor=Who.person(OUTSIDER), audience=TEAM)

    def party_list(ref: str) -> object:
        with domain.unit() as ctx:
            return parties.list_parties(ctx, ref, actor=Who.person(OUTSIDER))

    for read in (web, review, party_list):
        hidden, missing = statements(read, refs[Tier.HIGHLY_RESTRICTED]), statements(read, "INC-2026-0999")
        assert len(hidden) == len(missing), (read.__name__, hidden, missing)
        assert not [s for s in hidden if "timeline_entries" in s or "status_updates" in s or "parties" in s.lower()]
