"""``/incident <subcommand> ...`` text → a typed request, or a :class:`CommandError` that tells the person how
to write it. Parsing needs no database; the listeners hand the request to the domain.

Slack escapes mentions in command text as ``<@U123|name>`` when the command has ``should_escape`` on (the
manifest sets it), so people are recognised by id, never by display name. Free text (titles, notes, reasons)
leaves here plain, see :mod:`bot.slack_text`; a note keeps who it mentions beside it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.slack_text import from_slack
from incidents.enums import Severity, Status, Tier
from incidents.errors import VigilError
from incidents.lifecycle import parse_severity, parse_status, parse_tier
from incidents.mentions import Mention
from incidents.referrals.models import ReferralStatus
from incidents.referrals.service import parse_status as parse_referral_status

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LISTED = re.compile(r"([^\s,]+(?:\s*,\s*[^\s,]+)*)\s*(.*)", re.DOTALL)
"""A comma-separated list (spaces after the commas allowed) and the text after it."""
_SEVERITY_LIKE = re.compile(r"sev[-_]?\d+", re.IGNORECASE)
"""A word written as a severity (``SEV1``), including ones that are not (``SEV9``, ``sev-1``): refused, not taken
as the first word of the title."""
_KEYED = re.compile(r"([a-z]+):(\S*)", re.IGNORECASE)
"""``key:value``, as declare's type, tier and region are written."""
DECLARE_KEYS = ("type", "tier", "region")
_QUOTES = '"\u201c\u201d'
"""Around a referral's outcome or reason: straight quotes, or the curly ones Slack's editor may type."""


class CommandError(VigilError):
    """The command text could not be understood; the message says what to type instead."""


@dataclass(frozen=True)
class OpenDeclareModal:
    title: str = ""


@dataclass(frozen=True)
class QuickDeclare:
    title: str
    severity: Severity
    types: tuple[str, ...]
    tier: Tier
    region: str | None = None
    """As written; the domain checks it against the policy pack's regions (as it does the types)."""


@dataclass(frozen=True)
class AssignRole:
    person: str
    role: str


@dataclass(frozen=True)
class HandOff:
    person: str


@dataclass(frozen=True)
class ChangeSeverity:
    severity: Severity
    reason: str


@dataclass(frozen=True)
class Reclassify:
    """``type`` names the types, ``jurisdiction`` the jurisdictions; the other stays None (left as it is)."""

    types: tuple[str, ...] | None
    jurisdictions: tuple[str, ...] | None
    reason: str


@dataclass(frozen=True)
class ChangeStatus:
    status: Status
    note: str


@dataclass(frozen=True)
class OpenUpdateModal:
    pass


@dataclass(frozen=True)
class OpenReviewModal:
    pass


@dataclass(frozen=True)
class AddNote:
    text: str
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class AddAction:
    title: str
    owner: str | None
    due: date | None


@dataclass(frozen=True)
class SatisfyClock:
    reference_id: str
    clock: str | None
    """A regime name (``gdpr_art33``) or ``#<id>``; None when the incident has a single running clock."""


@dataclass(frozen=True)
class ListClocks:
    pass


@dataclass(frozen=True)
class OpenPartyModal:
    pass


@dataclass(frozen=True)
class ListParties:
    pass


@dataclass(frozen=True)
class EraseParty:
    party: str
    """Its number or token, as the list of parties shows it."""


@dataclass(frozen=True)
class OpenReferralModal:
    pass


@dataclass(frozen=True)
class ListReferrals:
    pass


@dataclass(frozen=True)
class MoveReferral:
    number: int
    status: ReferralStatus
    said: str
    """The outcome of a decision or the reason to decline; empty for the other statuses."""


@dataclass(frozen=True)
class ListTasks:
    pass


@dataclass(frozen=True)
class PageService:
    service: str | None
    """A paging service's name or label, as the policy pack gives it; None: the one the incident's route pages."""
    person: str | None = None
    """The Slack user to page instead of a service."""


@dataclass(frozen=True)
class Resolve:
    note: str


@dataclass(frozen=True)
class Close:
    note: str


@dataclass(frozen=True)
class Hold:
    """Place a legal hold (``matter`` and ``reason``), release one (``release``; ``matter`` None: the only one), or
    list the incident's holds (neither)."""

    matter: str | None
    reason: str = ""
    release: bool = False


@dataclass(frozen=True)
class Help:
    pass


Request = (
    OpenDeclareModal
    | QuickDeclare
    | AssignRole
    | HandOff
    | ChangeSeverity
    | Reclassify
    | ChangeStatus
    | OpenUpdateModal
    | OpenReviewModal
    | AddNote
    | AddAction
    | SatisfyClock
    | ListClocks
    | OpenPartyModal
    | ListParties
    | EraseParty
    | OpenReferralModal
    | ListReferrals
    | MoveReferral
    | PageService
    | ListTasks
    | Resolve
    | Close
    | Hold
    | Help
)

DEFAULT_SEVERITY = Severity.SEV3
DEFAULT_TYPE = "other"


def parse(text: str) -> Request:
    words = text.strip().split(maxsplit=1)
    if not words:
        return OpenDeclareModal()
    verb, rest = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
    command = _COMMANDS.get(verb)
    if command is None:
        raise CommandError(f"I don't know `{words[0]}`. Try `/incident help` for what I can do.")
    return command.parse(rest)


def subcommand(text: str) -> str:
    words = text.strip().split(maxsplit=1)
    return words[0].lower() if words else ""


def _usage(verb: str, problem: str) -> CommandError:
    return CommandError(f"{problem} Usage: `{USAGE[verb]}`")


def _one_person(verb: str, text: str) -> tuple[str, str]:
    """The single mentioned person and the text around the mention."""
    people = _MENTION.findall(text)
    if len(people) != 1:
        hint = " Pick them from the @ menu so Slack links them." if "@" in text and not people else ""
        raise _usage(verb, f"Mention exactly one person.{hint}")
    return people[0], " ".join(_MENTION.sub(" ", text).split())


def _declare(rest: str) -> Request:
    """The severity, type, tier and region may stand anywhere among the title's words; each at most once. A word
    written like one of them but naming nothing Vigil knows (``SEV9``, ``tier:secret``, ``typ:fraud``) is refused
    with the values to use, never kept as part of the title (and the incident declared at the default)."""
    options: dict[str, tuple[str, str]] = {}
    words = []
    for word in rest.split():
        option = _declare_option(word)
        if option is None:
            words.append(word)
            continue
        key, value = option
        if key in options:
            raise _usage("declare", f"Give one {key}: `{options[key][0]}` and `{word}` both set it.")
        options[key] = (word, value)
    if not words:
        return OpenDeclareModal()
    try:
        severity = parse_severity(options["severity"][1]) if "severity" in options else DEFAULT_SEVERITY
        tier = parse_tier(options["tier"][1]) if "tier" in options else Tier.STANDARD
    except VigilError as refused:
        raise _usage("declare", refused.message) from None
    types = tuple(options["type"][1].lower().split(",")) if "type" in options else (DEFAULT_TYPE,)
    region = options["region"][1] if "region" in options else None
    return QuickDeclare(_plain(" ".join(words)), severity, types, tier, region)


def _declare_option(word: str) -> tuple[str, str] | None:
    """``(option, value)`` when ``word`` is written as one of declare's options; None for a word of the title."""
    if _SEVERITY_LIKE.fullmatch(word):
        return "severity", word
    keyed = _KEYED.fullmatch(word)
    if keyed is None:
        return None
    key, value = keyed.group(1).lower(), keyed.group(2)
    if key in ("severity", "sev"):
        raise _usage("declare", f"Write the severity as a word of its own, e.g. `SEV2`, not `{word}`.")
    if key not in DECLARE_KEYS:
        meant = difflib.get_close_matches(key, DECLARE_KEYS, n=1, cutoff=0.75)
        if meant:
            raise _usage("declare", f"`{key}:` is not an option; did you mean `{meant[0]}:`?")
        return None
    if not value or value.startswith(",") or value.endswith(","):
        raise _usage("declare", f"Give the {key} after `{key}:`, with no space.")
    return key, value


def _role(rest: str) -> Request:
    person, role = _one_person("role", rest)
    if not role or len(role.split()) != 1:
        raise _usage("role", "Name one role.")
    return AssignRole(person=person, role=role.lower())


def _handoff(rest: str) -> Request:
    person, extra = _one_person("handoff", rest)
    if extra:
        raise _usage("handoff", "Only mention the person who should take command.")
    return HandOff(person=person)


def _severity(rest: str) -> Request:
    parts = rest.split(maxsplit=1)
    if not parts:
        raise _usage("severity", "Give the new severity and why.")
    severity = parse_severity(parts[0])
    reason = parts[1].strip() if len(parts) > 1 else ""
    if not reason:
        raise _usage("severity", "Say why the severity changes; the review will ask.")
    return ChangeSeverity(severity=severity, reason=_plain(reason))


def _reclassify(verb: str, what: str) -> Callable[[str], Request]:
    """``type`` and ``jurisdiction``: the new list, replacing the old one, then why."""

    def parse_it(rest: str) -> Request:
        listed = _LISTED.fullmatch(rest)
        if listed is None:
            raise _usage(verb, f"Give the incident's {what} from now on, and why.")
        values, reason = tuple(v.strip() for v in listed.group(1).split(",")), listed.group(2).strip()
        if not reason:
            raise _usage(verb, f"Say why the {what} change; the review will ask.")
        types, places = (values, None) if verb == "type" else (None, values)
        return Reclassify(types=types, jurisdictions=places, reason=_plain(reason))

    return parse_it


def _status(rest: str) -> Request:
    parts = rest.split(maxsplit=1)
    if not parts:
        raise _usage("status", "Give the new status.")
    return ChangeStatus(status=parse_status(parts[0]), note=_plain(parts[1]) if len(parts) > 1 else "")


def _note(rest: str) -> Request:
    if not rest:
        raise _usage("note", "Write the note after `note`.")
    note = from_slack(rest)
    return AddNote(text=note.text, mentions=note.mentions)


def _action(rest: str) -> Request:
    owners = _MENTION.findall(rest)
    if len(owners) > 1:
        raise _usage("action", "An action has one owner.")
    due: date | None = None
    words = []
    for word in _MENTION.sub(" ", rest).split():
        if word.lower().startswith("due:"):
            value = word[4:]
            try:
                due = date.fromisoformat(value)
            except ValueError:
                raise _usage("action", f"`{value}` is not a date; write it as YYYY-MM-DD.") from None
        else:
            words.append(word)
    if not words:
        raise _usage("action", "Give the action a title.")
    return AddAction(title=_plain(" ".join(words)), owner=owners[0] if owners else None, due=due)


def _clock(rest: str) -> Request:
    parts = rest.split()
    if not parts:
        return ListClocks()
    if len(parts) == 1:
        return SatisfyClock(reference_id=_plain(parts[0]), clock=None)
    if len(parts) == 2:
        return SatisfyClock(reference_id=_plain(parts[1]), clock=parts[0].lower())
    raise _usage("clock", "Give the clock (optional) and one reference id, without spaces.")


def _party(rest: str) -> Request:
    if not rest:
        return OpenPartyModal()
    words = rest.split(maxsplit=1)
    if words[0].lower() != "erase" or len(words) < 2:
        raise _usage("party", "Write `party` alone to add one, or `party erase` and the party's number or token.")
    return EraseParty(party=words[1].strip())


def _referral(rest: str) -> Request:
    words = rest.split(maxsplit=2)
    if len(words) < 2 or not words[0].removeprefix("#").isdigit():
        raise _usage("referral", "Give the referral's number (`/incident referrals` lists them) and its new status.")
    try:
        status = parse_referral_status(words[1])
    except VigilError as refused:
        raise _usage("referral", refused.message) from None
    said = _plain(words[2].strip().strip(_QUOTES).strip()) if len(words) > 2 else ""
    wanted = {ReferralStatus.DECIDED: "what was decided", ReferralStatus.DECLINED: "why it was declined"}.get(status)
    if wanted and not said:
        raise _usage("referral", f"Say {wanted}, in quotes after `{status.value}`.")
    if said and not wanted:
        raise _usage("referral", f"Only `decided` and `declined` take text after them, not `{status.value}`.")
    return MoveReferral(number=int(words[0].removeprefix("#")), status=status, said=said)


def _page(rest: str) -> Request:
    if not (_MENTION.search(rest) or rest.startswith("@")):
        return PageService(service=" ".join(rest.split()) or None)
    person, around = _one_person("page", rest)
    if around:
        raise _usage("page", "Page one person, or one service, not both.")
    return PageService(service=None, person=person)


def _hold(rest: str) -> Request:
    words = rest.split(maxsplit=1)
    release = bool(words) and words[0].lower() == "release"
    if release:
        rest = words[1] if len(words) > 1 else ""
    quoted = re.fullmatch(rf"[{_QUOTES}]([^{_QUOTES}]+)[{_QUOTES}]\s*(.*)", rest, re.DOTALL)
    if rest and quoted is None:
        raise _usage("hold", "Put the matter in quotes.")
    matter, reason = (_plain(quoted.group(1)), _plain(quoted.group(2))) if quoted else (None, "")
    if matter and not release and not reason:
        raise _usage("hold", "Say why the incident is held, after the matter.")
    return Hold(matter=matter, reason=reason, release=release)


def _plain(text: str) -> str:
    """Free text the domain stores without mentions: people in it become ``@name``."""
    return from_slack(text).text


def _no_args(verb: str, request: Request) -> Callable[[str], Request]:
    def parse_it(rest: str) -> Request:
        if rest:
            raise _usage(verb, f"`{verb}` takes nothing after it.")
        return request

    return parse_it


@dataclass(frozen=True)
class _Command:
    usage: str
    parse: Callable[[str], Request]


_COMMANDS: dict[str, _Command] = {
    "declare": _Command(
        "/incident declare [SEV0-SEV4] [type:<type>,...] [tier:<tier>] [region:<region>] <title>", _declare
    ),
    "role": _Command("/incident role @person <role>", _role),
    "handoff": _Command("/incident handoff @person", _handoff),
    "severity": _Command("/incident severity SEV1 <reason>", _severity),
    "type": _Command("/incident type <type>[,<type>...] <reason>", _reclassify("type", "types")),
    "jurisdiction": _Command(
        "/incident jurisdiction <code>[,<code>...] <reason>", _reclassify("jurisdiction", "jurisdictions")
    ),
    "status": _Command("/incident status investigating|mitigated|resolved [note]", _status),
    "update": _Command("/incident update", _no_args("update", OpenUpdateModal())),
    "note": _Command("/incident note <text>", _note),
    "action": _Command("/incident action <title> [@owner] [due:YYYY-MM-DD]", _action),
    "clock": _Command("/incident clock [<clock>] <reference id>", _clock),
    "party": _Command("/incident party [erase <number or token>]", _party),
    "parties": _Command("/incident parties", _no_args("parties", ListParties())),
    "refer": _Command("/incident refer", _no_args("refer", OpenReferralModal())),
    "referrals": _Command("/incident referrals", _no_args("referrals", ListReferrals())),
    "referral": _Command(
        '/incident referral <number> accepted|in_progress|decided "outcome"|declined "reason"|closed', _referral
    ),
    "tasks": _Command("/incident tasks", _no_args("tasks", ListTasks())),
    "page": _Command("/incident page [<service> | @person]", _page),
    "resolve": _Command("/incident resolve [note]", lambda rest: Resolve(note=_plain(rest))),
    "close": _Command("/incident close [note]", lambda rest: Close(note=_plain(rest))),
    "review": _Command("/incident review", _no_args("review", OpenReviewModal())),
    "hold": _Command('/incident hold ["matter" <reason> | release ["matter"]]', _hold),
    "help": _Command("/incident help", lambda rest: Help()),
}
"""Every subcommand: how its usage reads (in help, errors and nudges) and what parses it, in help's order."""
USAGE: dict[str, str] = {verb: command.usage for verb, command in _COMMANDS.items()}
CHANNEL_COMMANDS = frozenset(_COMMANDS) - {"declare", "help"}
"""Subcommands that act on the incident of the channel they are typed in."""
