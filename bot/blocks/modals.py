"""Modals: declare, status update, add a party, open a referral, and the confirmation a submitted modal turns into."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from bot.blocks.text import Block, Mrkdwn, clip, context, link, md, mention, option, plain, section, when
from bot.ids import Field, ViewId
from incidents.enums import Status, Tier
from incidents.guards import TITLE_MAX
from incidents.left_open import LeftOpen, OpenItem
from incidents.lifecycle import TRANSITIONS
from incidents.models import Incident
from incidents.parties.models import PartyRole
from incidents.policy import Policy, SeverityGuidance
from incidents.severity_guidance import Suggestion

NEXT_UPDATE_CHOICES: dict[str, timedelta] = {
    "15m": timedelta(minutes=15),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "4h": timedelta(hours=4),
    "1d": timedelta(days=1),
}


@dataclass(frozen=True)
class Origin:
    """Where a modal came from, carried in ``private_metadata`` (Slack gives it back on submit)."""

    channel: str | None = None
    ref: str | None = None
    source_url: str | None = None

    def dump(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v})

    @classmethod
    def load(cls, text: str | None) -> Origin:
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            return cls()
        return cls(**{k: data.get(k) for k in ("channel", "ref", "source_url")})


def _input(field: Field, label: str, element: Block, *, optional: bool = False, hint: str | None = None) -> Block:
    block: Block = {
        "type": "input",
        "block_id": field.value,
        "label": plain(label, 2000),
        "element": {**element, "action_id": field.value},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _static(options: list[Block], initial: Block | None = None, placeholder: str = "Choose") -> Block:
    element: Block = {"type": "static_select", "options": options, "placeholder": plain(placeholder, 150)}
    if initial is not None:
        element["initial_option"] = initial
    return element


def _text(*, multiline: bool = False, initial: str = "", max_length: int | None = None) -> Block:
    element: Block = {"type": "plain_text_input", "multiline": multiline}
    if initial:
        element["initial_value"] = clip(initial, max_length or 3000)
    if max_length:
        element["max_length"] = max_length
    return element


def _severity_guidance(policy: Policy, guidance: SeverityGuidance, suggestion: Suggestion | None) -> list[Block]:
    """The two questions, each dispatching its answer at once (Slack keeps what was typed while the modal is
    updated with the suggestion), and the suggestion once both are answered."""

    def question(field: Field, label: str, answers: dict[str, str]) -> Block:
        choices = [option(text, key) for key, text in answers.items()]
        return {**_input(field, label, _static(choices), optional=True), "dispatch_action": True}

    said = (
        md(
            "Suggested: *{}* · {}. You choose the severity; both are recorded.",
            suggestion.severity.value,
            policy.severities[suggestion.severity].label,
        )
        if suggestion
        else md("Not sure of the severity? Answer these two and Vigil suggests one.")
    )
    return [
        question(Field.HARM, "How bad is the harm?", guidance.harm),
        question(Field.IMMINENCE, "How soon?", guidance.imminence),
        {**context(said), "block_id": Field.SEVERITY_SUGGESTION.value},
    ]


def declare_modal(
    policy: Policy, origin: Origin, *, title: str = "", summary: str = "", suggestion: Suggestion | None = None
) -> Block:
    severities = [
        option(f"{s.value} · {policy.severities[s].label}", s.value, policy.severities[s].description)
        for s in policy.severity_order
    ]
    tiers = [option(t.value.replace("_", " "), t.value) for t in Tier]
    types = [option(p.label, name) for name, p in policy.types.items()]
    regions = [option(r, r) for r in policy.regions]
    blocks = [
        _input(
            Field.TITLE,
            "Title",
            _text(initial=title, max_length=TITLE_MAX),
            hint="Becomes the channel name: describe the harm, never the people involved.",
        ),
        _input(Field.TYPES, "Types", {"type": "multi_static_select", "options": types, "placeholder": plain("Pick")}),
        *(_severity_guidance(policy, policy.severity_guidance, suggestion) if policy.severity_guidance else ()),
        _input(
            Field.SEVERITY,
            "Severity",
            _static(severities, severities[min(2, len(severities) - 1)]),
            hint="If unsure, pick the higher one.",
        ),
        _input(Field.TIER, "Sensitivity", _static(tiers, tiers[0]), hint="Restricted incidents get a private channel."),
        _input(Field.REGION, "Region", _static(regions, placeholder="Region"), optional=True),
        _input(Field.SUMMARY, "Summary", _text(multiline=True, initial=summary), optional=True),
        _input(
            Field.RESPONDERS,
            "Who to page",
            {"type": "multi_users_select", "placeholder": plain("Responders")},
            optional=True,
        ),
    ]
    if origin.source_url:
        blocks.insert(0, section(md("Declaring from {}; it will be linked.", link(origin.source_url, "this message"))))
    return {
        "type": "modal",
        "callback_id": ViewId.DECLARE,
        "title": plain("Declare an incident", 24),
        "submit": plain("Declare"),
        "close": plain("Cancel"),
        "private_metadata": origin.dump(),
        "blocks": blocks,
    }


def update_modal(incident: Incident, policy: Policy, origin: Origin) -> Block:
    reachable = [incident.status, *sorted(TRANSITIONS[incident.status], key=list(Status).index)]
    statuses = [option(s.value, s.value) for s in reachable if s is not Status.CLOSED]
    nexts = [option(f"in {label}", label) for label in NEXT_UPDATE_CHOICES]
    cadence = policy.update_cadence_minutes(incident.severity)
    default = next(
        (
            o
            for o, d in zip(nexts, NEXT_UPDATE_CHOICES.values(), strict=True)
            if cadence and d == timedelta(minutes=cadence)
        ),
        None,
    )
    return {
        "type": "modal",
        "callback_id": ViewId.UPDATE,
        "title": plain(f"Update {incident.ref}", 24),
        "submit": plain("Post update"),
        "close": plain("Cancel"),
        "private_metadata": origin.dump(),
        "blocks": [
            _input(Field.STATUS, "Status", _static(statuses, statuses[0])),
            _input(Field.SUMMARY, "Summary", _text(multiline=True)),
            _input(Field.IMPACT, "Impact", _text(multiline=True), optional=True),
            _input(Field.NEXT_STEPS, "Next steps", _text(multiline=True), optional=True),
            _input(
                Field.NEXT_UPDATE,
                "Next update",
                _static(nexts, default, placeholder="Per the severity's cadence"),
                optional=True,
            ),
        ],
    }


def party_modal(incident: Incident, origin: Origin) -> Block:
    """Add a person the case is about. Only the incident's members see the identifiers; beyond the team they
    show as the role token."""
    roles = [option(role.label, role.value) for role in PartyRole]
    return {
        "type": "modal",
        "callback_id": ViewId.PARTY,
        "title": plain(f"Party to {incident.ref}", 24),
        "submit": plain("Add party"),
        "close": plain("Cancel"),
        "private_metadata": origin.dump(),
        "blocks": [
            section("Only the incident's members see these details; everyone else sees the role (e.g. Witness 2)."),
            _input(Field.PARTY_ROLE, "Role in the case", _static(roles, roles[0])),
            _input(Field.PARTY_NAME, "Name", _text(max_length=200), optional=True),
            _input(Field.HANDLE, "Platform handle", _text(max_length=200), optional=True, hint="With or without @."),
            _input(Field.ACCOUNT_ID, "Platform account id", _text(max_length=200), optional=True),
            _input(Field.CONTACT, "Contact", _text(max_length=320), optional=True, hint="E-mail address or phone."),
        ],
    }


def referral_modal(incident: Incident, policy: Policy, origin: Origin) -> Block:
    """Hand part of the incident to another process; left without a due date, the kind's usual time applies."""
    kinds = [option(kind.label, key, kind.description or None) for key, kind in policy.referral_kinds.items()]
    return {
        "type": "modal",
        "callback_id": ViewId.REFERRAL,
        "title": plain(f"Refer {incident.ref}", 24),
        "submit": plain("Open referral"),
        "close": plain("Cancel"),
        "private_metadata": origin.dump(),
        "blocks": [
            _input(Field.REFERRAL_KIND, "Refer to", _static(kinds, kinds[0] if kinds else None)),
            _input(
                Field.REFERRAL_OWNER,
                "Owner",
                {"type": "users_select", "placeholder": plain("Who follows it up")},
                optional=True,
            ),
            _input(
                Field.DUE_DATE,
                "Due",
                {"type": "datepicker", "placeholder": plain("The kind's usual time")},
                optional=True,
            ),
            _input(
                Field.EXTERNAL_REF,
                "External reference",
                _text(max_length=200),
                optional=True,
                hint="The other process's case, claim or report number, once known.",
            ),
            _input(Field.NOTE, "Note", _text(multiline=True, max_length=3000), optional=True),
        ],
    }


def resolve_modal(ref: str, left: LeftOpen, note: str, origin: Origin) -> Block:
    """Resolving would leave work open: what is, and the note typed with the command, before resolving anyway
    (or keeping the incident open, which changes nothing)."""
    items = [
        *(md("• Step #{}: {} ({}){}", s.id, s.text, s.owner, _due(s)) for s in left.steps),
        *(
            md("• Referral #{}: {}{}{}", r.id, r.text, md(", with {}", mention(r.owner)) if r.owner else "", _due(r))
            for r in left.referrals
        ),
        *(md("• Clock #{}: {} ({}){}", c.id, c.text, c.owner, _due(c)) for c in left.clocks),
    ]
    return {
        "type": "modal",
        "callback_id": ViewId.RESOLVE,
        "title": plain(f"Resolve {ref}", 24),
        "submit": plain("Resolve anyway"),
        "close": plain("Keep it open"),
        "private_metadata": origin.dump(),
        "blocks": [
            section(md("*{} still has {} open:*", ref, left.summary())),
            section(Mrkdwn("\n".join(items))),
            context("Resolving leaves them open, and the timeline records what was left."),
            _input(Field.NOTE, "Note", _text(multiline=True, initial=note, max_length=3000), optional=True),
        ],
    }


def _due(item: OpenItem) -> Mrkdwn:
    if item.due is None:
        return Mrkdwn("")
    due = when(item.due) if isinstance(item.due, datetime) else md("{}", item.due.isoformat())
    return md(", due {}{}", due, " (late)" if item.late else "")


def done_modal(title: str, text: str) -> Block:
    return {
        "type": "modal",
        "callback_id": ViewId.DONE,
        "title": plain(title, 24),
        "close": plain("Close"),
        "blocks": [section(text)],
    }
