"""The parties to an incident: who reported it, who was harmed, which account did it, who saw it.

Parties are for the incident's members only (:mod:`incidents.access`: ``SEE_PARTIES``, ``EDIT_PARTIES``), decided
before the incident is loaded; every read of them is audited,
and beyond the team their identifiers are shown as role tokens ("Reporter", "Witness 2"), see
:func:`incidents.parties.tokens.party_tokens`. :func:`erase_party` removes a person on request: their identifiers
are replaced by the token everywhere in the incident's record and blanked on the party, for good.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

import incidents.schema  # noqa: F401  (registers every model, the reviews' too, for the erasure to find)
from incidents.access import Act, Standing, Who, acting, permits, standing_of
from incidents.access.reading import existing_standing
from incidents.context import Ctx
from incidents.db import Base
from incidents.effects import audit, changed
from incidents.errors import Forbidden, NotFound, VigilError
from incidents.guards import choice, without_bidi
from incidents.leadership_title import store_leadership_title
from incidents.models import Action, Incident, SeverityChange, StatusUpdate, TimelineEntry
from incidents.parties.models import Party, PartyRole
from incidents.parties.tokens import PartyMasker, identifiers_of, parties_query, tokens_by_number
from incidents.privacy.scan import PERSONAL_TEXT
from incidents.queries import incident_to_change
from incidents.record.erasure import forget_earlier_text
from incidents.record.holds import refuse_if_held
from incidents.signals.models import Signal
from incidents.signals.queries import latest_signals

IDENTIFIER_MIN = 2
"""Shorter identifiers would be masked inside unrelated words' neighbours ("Al", "7") more than they protect."""
IDENTIFIER_FIELDS = ("name", "handle", "account_id", "contact")


class NotMember(Forbidden):
    """The person asking is not a member of the incident, so may neither see nor change its parties."""


@dataclass(frozen=True)
class ListedParty:
    party: Party
    token: str


@dataclass(frozen=True)
class Erasure:
    ref: str
    number: int
    token: str
    replacements: int

    @property
    def message(self) -> str:
        """What the person who erased is told, in every channel."""
        plural = "" if self.replacements == 1 else "s"
        return f"Erased {self.token} from {self.ref}: {self.replacements} replacement{plural}."


def parse_role(value: str) -> PartyRole:
    return choice(PartyRole, value, what="role", field="role")


def add_party(
    ctx: Ctx,
    ref: str,
    *,
    actor: str | Who,
    role: PartyRole,
    name: str | None = None,
    account_id: str | None = None,
    handle: str | None = None,
    contact: str | None = None,
) -> ListedParty:
    incident = _for_member(ctx, ref, actor, Act.EDIT_PARTIES)
    actor = acting(actor).key
    given = {
        "name": _identifier(name, "name", 200),
        "account_id": _identifier(account_id, "account_id", 200),
        "handle": _identifier(handle, "handle", 200),
        "contact": _identifier(contact, "contact", 320),
    }
    if not any(given.values()):
        raise VigilError("Give at least one of the name, handle, account id or contact.", field="name")
    last = ctx.session.scalar(select(func.max(Party.number)).where(Party.incident_id == incident.id))
    now = ctx.now()
    party = Party(
        incident=incident, number=(last or 0) + 1, role_in_case=role, created_by=actor, created_at=now, **given
    )
    ctx.session.add(party)
    incident.updated_at = now  # bumps the incident's version: concurrent adds conflict instead of sharing a number
    ctx.session.flush()
    audit(ctx, actor, "party.add", incident, party=party.number, role=role.value)
    if _retitled(ctx, incident):
        changed(ctx, incident)  # the channel's name follows the title leadership reads
    return ListedParty(party, tokens_by_number(_parties(ctx, incident))[party.number])


def list_parties(ctx: Ctx, ref: str, *, actor: str | Who) -> list[ListedParty]:
    """Every party with its identifiers, erased ones included (blank, with when and by whom). Audited."""
    incident = _for_member(ctx, ref, actor, Act.SEE_PARTIES)
    actor = acting(actor).key
    parties = _parties(ctx, incident)
    audit(ctx, actor, "party.view", incident, parties=len(parties))
    tokens = tokens_by_number(parties)
    return [ListedParty(p, tokens[p.number]) for p in parties]


def erase_party(ctx: Ctx, ref: str, party: str, *, actor: str | Who) -> Erasure:
    """Replace the party's identifiers with its role token across the incident's title, summary, timeline, status
    updates, severity reasons, actions and review, then blank them on the party. Returns how many replacements
    were made; the audit event records that count, never the identifiers."""
    incident = _for_member(ctx, ref, actor, Act.EDIT_PARTIES)
    actor = acting(actor).key
    parties = _parties(ctx, incident)
    target = _find(incident, parties, party)
    token = tokens_by_number(parties)[target.number]
    if target.erased_at is not None:
        raise VigilError(f"{token} on {incident.ref} was already erased.", field="party")
    refuse_if_held(ctx.session, incident, "erasing a party")
    replacements = _rewrite_record(ctx, incident, PartyMasker(dict.fromkeys(identifiers_of(target), token)))
    for field in IDENTIFIER_FIELDS:
        setattr(target, field, None)
    now = ctx.now()
    target.erased_at, target.erased_by = now, actor
    incident.updated_at = now
    _retitled(ctx, incident)
    audit(ctx, actor, "party.erase", incident, party=target.number, token=token, replacements=replacements)
    forget_earlier_text(ctx, incident.id, actor=actor, action="party.erase")
    changed(ctx, incident)
    return Erasure(incident.ref, target.number, token, replacements)


def _retitled(ctx: Ctx, incident: Incident) -> bool:
    """Make the title leadership reads again from the parties as they now stand (after a flush, which scans a
    title the erasure rewrote); whether it changed."""
    ctx.session.flush()
    before = incident.leadership_title
    store_leadership_title(incident)
    return incident.leadership_title != before


def describe(listed: ListedParty) -> str:
    """One line per party for the CLI and Slack: number, token, then the identifiers (or when it was erased)."""
    party = listed.party
    if party.erased_at is not None:
        return f"{party.number}. {listed.token}: erased {party.erased_at:%Y-%m-%d %H:%M} UTC by {party.erased_by}"
    handle = f"@{party.handle}" if party.handle else None
    facts = [party.name, handle, party.account_id and f"account {party.account_id}", party.contact]
    return f"{party.number}. {listed.token}: {', '.join(f for f in facts if f)}"


def _rewrite_record(ctx: Ctx, incident: Incident, masker: PartyMasker) -> int:
    _mask_fields(incident, Incident.__personal_text__, masker)
    for entry in _of(ctx, TimelineEntry, incident):
        _mask_fields(entry, TimelineEntry.__personal_text__, masker)
        masked = masker.data(entry.data)
        if masked != entry.data:
            entry.data = masked
    rows: list[tuple[type[Any], tuple[str, ...]]] = [
        (StatusUpdate, ("summary", "impact", "next_steps")),
        (SeverityChange, ("reason",)),
        (Action, ("title", "description", "resolution")),
        *((model, getattr(model, PERSONAL_TEXT)) for model in incident_parts_with_personal_text()),
    ]
    for model, fields in rows:
        for row in _of(ctx, model, incident):
            _mask_fields(row, fields, masker)
    for signal in latest_signals(ctx, incident.id):  # theirs through its groups: no incident_id of their own
        _mask_fields(signal, (*Signal.__personal_text__, "subject", "reporter"), masker)
    return masker.count


def incident_parts_with_personal_text() -> list[type[Any]]:
    """Every other model that belongs to an incident and declares free text (reviews, playbook steps, referrals,
    whatever comes next): found by structure, so a new one is erased without anyone remembering to list it."""
    listed = {Incident, TimelineEntry, Action}
    return [
        mapper.class_
        for mapper in Base.registry.mappers
        if mapper.class_ not in listed
        and getattr(mapper.class_, PERSONAL_TEXT, None)
        and "incident_id" in mapper.columns
    ]


def _mask_fields(row: Any, fields: Iterable[str], masker: PartyMasker) -> None:
    """Only fields that change are written, so rows that never named the party keep their version; a masked value
    longer than its column is cut to fit."""
    columns = type(row).__table__.c
    for field in fields:
        value = getattr(row, field)
        if not value:
            continue
        masked = masker.text(value)
        if masked != value:
            limit = getattr(columns[field].type, "length", None)
            setattr(row, field, masked if limit is None or len(masked) <= limit else masked[: limit - 1] + "…")


def _of(ctx: Ctx, model: Any, incident: Incident) -> list[Any]:
    return list(ctx.session.scalars(select(model).where(model.incident_id == incident.id)))


def require_member(incident: Incident, actor: str | Who) -> None:
    """:class:`NotMember` unless ``actor`` may see and change the incident's parties (for forms, before opening)."""
    who = acting(actor)
    _require(who, standing_of(incident, who), Act.EDIT_PARTIES)


def _require(who: Who, found: Standing, act: Act) -> None:
    if not permits(who, found, act):
        raise NotMember(
            f"Only members of {found.ref} (its declarer and role holders) can see or change its parties.",
            field="ref",
        )


def _for_member(ctx: Ctx, ref: str, actor: str | Who, act: Act) -> Incident:
    """The incident, once ``actor`` is found to be allowed ``act`` (from one light row: nothing is loaded for a
    refusal)."""
    who = acting(actor)
    found = existing_standing(ctx, who, ref)
    _require(who, found, act)
    return incident_to_change(ctx, found.ref)


def _parties(ctx: Ctx, incident: Incident) -> list[Party]:
    return list(ctx.session.scalars(parties_query(incident)))


def _identifier(value: str | None, field: str, limit: int) -> str | None:
    value = " ".join(without_bidi(value or "").split())
    if field == "handle":
        value = value.removeprefix("@")
    if not value:
        return None
    if len(value) < IDENTIFIER_MIN:
        raise VigilError(f"The {field.replace('_', ' ')} is too short to mask reliably.", field=field)
    if len(value) > limit:
        raise VigilError(f"The {field.replace('_', ' ')} is too long (at most {limit} characters).", field=field)
    return value


def _find(incident: Incident, parties: list[Party], address: str) -> Party:
    """A party by number ("2", "#2") or by token ("Reporter", "witness-2")."""
    wanted = " ".join(address.strip().lstrip("#").replace("-", " ").replace("_", " ").split()).casefold()
    tokens = tokens_by_number(parties)
    for party in parties:
        if wanted in (str(party.number), tokens[party.number].casefold()):
            return party
    raise NotFound(
        f"{incident.ref} has no party {address.strip()!r}: give its number or token, as the list of parties shows.",
        field="party",
    )
