"""The access policy: may this viewer see or do this with this incident? One pure function, :func:`allows`, over
the viewer's kind, the incident's tier, whether the viewer is one of its members, and the act.

Every surface asks it (web pages, the intake API, the CLI, Slack, reviews, exports), from a light read of the
incident (:func:`incidents.access.members.standing`: its tier and the viewer's membership, one row) made before
anything else of it is loaded, so a refusal costs what a missing reference costs. Nothing here reads the
database.

The rules, in words (the table in ``tests/test_access_policy.py`` spells out every case):

- Members (the declarer and everyone who holds or held a role) may do everything with an incident they can see.
- A standard incident is seen, as the team sees it, by everyone in the workspace: people signed in to the web
  view, people in Slack, API keys. Its sensitive entries, its parties, its signals and its draft review are for
  its members only.
- A restricted or highly restricted incident does not exist for a person who is not a member, nor for an API key
  created without ``--all-tiers`` (member or not).
- The leadership group reads every incident it is not a member of in the leadership rendering: people as role
  tokens, personal data masked, no sensitive entries, the leadership review only; for a restricted incident,
  structured facts only (no free text at all). It reads; it changes nothing through the web view.
- An API key with ``--all-tiers`` sees and changes restricted incidents as the team does, but their sensitive
  entries, parties, signals and team review only where it is a member (it declared the incident).
- An incident's own channel is private for a restricted incident (its members) and public for a standard one
  (anyone in the workspace): what is posted there follows.
- The operator at the terminal has the database: ``vigil show`` and ``vigil list`` read every incident whole.
  Where the CLI acts as a person (``--as``), parties, and the team review and review work of a restricted incident,
  still need that person to be a member, so each such read is attributed to a member in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from incidents.enums import Tier


class ViewerKind(StrEnum):
    PERSON = "person"
    """Someone in the workspace: signed in to the web view, or in Slack."""
    LEADERSHIP = "leadership"
    """Someone in the leadership group (``VIGIL_WEB_LEADERSHIP``), reading the web view or an export."""
    API_KEY = "api_key"
    """An intake API key for standard incidents only (the default)."""
    API_KEY_ALL_TIERS = "api_key_all_tiers"
    """An intake API key created with ``--all-tiers``."""
    CHANNEL = "channel"
    """Whoever reads an incident's own Slack channel (what Vigil posts there)."""
    OPERATOR = "operator"
    """The operator at the terminal (the CLI), acting as its ``--as`` person; also jobs and tests."""


class Act(StrEnum):
    SEE_INCIDENT = "see_incident"
    """Know that it exists and read it in some rendering (a guessed reference is otherwise a plain 404)."""
    SEE_ENTRIES = "see_entries"
    """Read its free text (title, summary, timeline entries, updates, action titles), masked or not; without
    it only structured facts are shown (milestones told from their data, a neutral title)."""
    SEE_NAMES = "see_names"
    """Read it unredacted: people by name, free text as written (without it, role tokens and masked text)."""
    SEE_SENSITIVE_ENTRIES = "see_sensitive_entries"
    """Read the timeline entries marked sensitive (behind a content warning)."""
    SEE_PARTIES = "see_parties"
    """List the people the case is about, with their identifiers (each read audited)."""
    SEE_REFERRALS = "see_referrals"
    """Know its referrals: kind, status, dates (their notes go with :attr:`SEE_ENTRIES`)."""
    SEE_SIGNALS = "see_signals"
    """Read the reports that led to it (subject and reporter are personal data by definition)."""
    SEE_TEAM_REVIEW = "see_team_review"
    SEE_LEADERSHIP_REVIEW = "see_leadership_review"
    SEE_DRAFT_REVIEW = "see_draft_review"
    """Read a review before it is published without working on it (the web view)."""
    EDIT = "edit"
    """Change it: notes, updates, roles, severity, actions, tasks, referrals."""
    EDIT_PARTIES = "edit_parties"
    """Add or erase parties."""
    EDIT_REVIEW = "edit_review"
    """Write, submit and publish its review (and read the draft while doing so)."""
    DECLARE = "declare"
    """Declare an incident of this tier (membership does not matter: the declarer becomes a member)."""


@dataclass(frozen=True)
class Who:
    """A viewer as the policy knows it: a kind, and the key membership is looked up by (a person key, an API key's
    principal ``api:<name>``, or the ``--as`` person of the CLI)."""

    kind: ViewerKind
    key: str

    @classmethod
    def person(cls, key: str) -> Who:
        return cls(ViewerKind.PERSON, key)

    @classmethod
    def operator(cls, key: str) -> Who:
        return cls(ViewerKind.OPERATOR, key)


def acting(actor: str | Who) -> Who:
    """A domain verb's ``actor``: a bare key is the terminal operator acting as that person (the CLI, jobs and
    tests call the domain that way); adapters that face people (the web view, Slack, the API) pass a :class:`Who`."""
    return actor if isinstance(actor, Who) else Who.operator(actor)


@dataclass(frozen=True)
class Standing:
    """What a decision needs to know of one incident, read before anything else of it."""

    incident_id: int
    ref: str
    tier: Tier
    member: bool


_READS = frozenset({Act.SEE_INCIDENT, Act.SEE_ENTRIES, Act.SEE_NAMES, Act.SEE_REFERRALS})
_REVIEWS = frozenset({Act.SEE_TEAM_REVIEW, Act.SEE_LEADERSHIP_REVIEW})
_THE_TEAM = _READS | _REVIEWS | {Act.EDIT, Act.EDIT_REVIEW}
"""What everyone in the workspace may do with a standard incident without being one of its members."""
_EVERYTHING = frozenset(Act) - {Act.DECLARE}
_NOTHING: frozenset[Act] = frozenset()

_LEADERSHIP_READS = frozenset({Act.SEE_INCIDENT, Act.SEE_REFERRALS, Act.SEE_LEADERSHIP_REVIEW})
"""The leadership rendering of a restricted incident: structured facts, referrals' kind and status, its review."""

_NON_MEMBERS: dict[tuple[ViewerKind, bool], frozenset[Act]] = {
    # (kind, restricted) → what a viewer who is not a member may do
    (ViewerKind.PERSON, False): _THE_TEAM,
    (ViewerKind.PERSON, True): _NOTHING,
    (ViewerKind.LEADERSHIP, False): _LEADERSHIP_READS | {Act.SEE_ENTRIES},
    (ViewerKind.LEADERSHIP, True): _LEADERSHIP_READS,
    (ViewerKind.API_KEY, False): _THE_TEAM,
    (ViewerKind.API_KEY, True): _NOTHING,
    (ViewerKind.API_KEY_ALL_TIERS, False): _THE_TEAM,
    (ViewerKind.API_KEY_ALL_TIERS, True): _READS | {Act.SEE_LEADERSHIP_REVIEW, Act.EDIT},
    (ViewerKind.CHANNEL, False): _READS | _REVIEWS,
    (ViewerKind.CHANNEL, True): _READS | _REVIEWS | {Act.SEE_SENSITIVE_ENTRIES},
    (ViewerKind.OPERATOR, False): _THE_TEAM | {Act.SEE_SENSITIVE_ENTRIES, Act.SEE_DRAFT_REVIEW},
    (ViewerKind.OPERATOR, True): _READS | {Act.SEE_SENSITIVE_ENTRIES, Act.SEE_LEADERSHIP_REVIEW, Act.EDIT},
}
_MEMBERS: dict[tuple[ViewerKind, bool], frozenset[Act]] = {
    **{(kind, restricted): _EVERYTHING for kind in ViewerKind for restricted in (False, True)},
    (ViewerKind.API_KEY, True): _NOTHING,
    (ViewerKind.CHANNEL, False): _NON_MEMBERS[ViewerKind.CHANNEL, False],
    (ViewerKind.CHANNEL, True): _NON_MEMBERS[ViewerKind.CHANNEL, True],
}
"""What a member may do. A channel's readers are who the channel lets in, whoever the key names; a standard-only key
sees no restricted incident, even one it declared before it was reclassified."""
_DECLARES: dict[ViewerKind, frozenset[Tier]] = {
    ViewerKind.PERSON: frozenset(Tier),
    ViewerKind.LEADERSHIP: frozenset(),
    ViewerKind.API_KEY: frozenset({Tier.STANDARD}),
    ViewerKind.API_KEY_ALL_TIERS: frozenset(Tier),
    ViewerKind.CHANNEL: frozenset(),
    ViewerKind.OPERATOR: frozenset(Tier),
}


def allows(kind: ViewerKind, tier: Tier, member: bool, act: Act) -> bool:
    """Whether a viewer of ``kind`` may do ``act`` with an incident of ``tier`` of which it is (or is not) a member.
    Membership never takes anything away."""
    if act is Act.DECLARE:
        return tier in _DECLARES[kind]
    table = _MEMBERS if member else _NON_MEMBERS
    return act in table[kind, tier.is_restricted]


def permits(who: Who, standing: Standing, act: Act) -> bool:
    return allows(who.kind, standing.tier, standing.member, act)


def counts_restricted(kind: ViewerKind) -> bool:
    """Whether figures shown to a viewer of ``kind`` (trends, their CSVs) may count restricted incidents it is not a
    member of: counts by type would otherwise reveal that they exist."""
    return all(allows(kind, tier, False, Act.SEE_INCIDENT) for tier in Tier)


class Audience(StrEnum):
    """The two renderings of an incident's review (and of the incident on the web)."""

    TEAM = "team"
    LEADERSHIP = "leadership"


@dataclass(frozen=True)
class Sight:
    """How much of one incident a viewer sees: the policy's answers for one (kind, tier, membership)."""

    kind: ViewerKind
    tier: Tier
    member: bool

    def may(self, act: Act) -> bool:
        return allows(self.kind, self.tier, self.member, act)

    @property
    def redacted(self) -> bool:
        """People as role tokens and personal data masked (:attr:`Act.SEE_NAMES` refused)."""
        return not self.may(Act.SEE_NAMES)

    @property
    def structured_only(self) -> bool:
        """Built from structured facts alone, no free text at all (:attr:`Act.SEE_ENTRIES` refused)."""
        return not self.may(Act.SEE_ENTRIES)

    @property
    def sensitive(self) -> bool:
        return self.may(Act.SEE_SENSITIVE_ENTRIES)

    @property
    def audience(self) -> Audience:
        """The review this viewer reads by default: the team's where allowed."""
        return Audience.TEAM if self.may(Act.SEE_TEAM_REVIEW) else Audience.LEADERSHIP


def sight_of(who: Who, standing: Standing) -> Sight | None:
    """None when ``who`` may not know the incident exists."""
    seen = Sight(who.kind, standing.tier, standing.member)
    return seen if seen.may(Act.SEE_INCIDENT) else None
