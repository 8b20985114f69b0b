"""Submitted modals → typed forms. Values come from ``view.state.values[block_id][action_id]``; problems are
:class:`VigilError`s naming the block, so the listener can answer with field errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.blocks.modals import NEXT_UPDATE_CHOICES
from bot.ids import Field
from incidents.enums import Severity, Status, Tier
from incidents.errors import VigilError
from incidents.lifecycle import parse_severity, parse_status, parse_tier
from incidents.parties.models import PartyRole
from incidents.parties.service import parse_role
from incidents.severity_guidance import SeverityAnswers

MODAL_FIELDS = frozenset(f.value for f in Field)


@dataclass(frozen=True)
class DeclareForm:
    title: str
    types: list[str]
    severity: Severity
    tier: Tier
    region: str | None
    summary: str
    responders: list[str]
    guidance: SeverityAnswers | None
    """Both answers to the severity guidance's questions, or None when either was left out."""


@dataclass(frozen=True)
class UpdateForm:
    status: Status | None
    summary: str
    impact: str
    next_steps: str
    next_update_in: timedelta | None


class _Values:
    def __init__(self, view: dict[str, Any]) -> None:
        self.values: dict[str, dict[str, Any]] = view.get("state", {}).get("values", {})

    def _get(self, field: Field) -> dict[str, Any]:
        return self.values.get(field.value, {}).get(field.value) or {}

    def text(self, field: Field) -> str:
        return (self._get(field).get("value") or "").strip()

    def choice(self, field: Field) -> str | None:
        selected = self._get(field).get("selected_option")
        return selected.get("value") if selected else None

    def choices(self, field: Field) -> list[str]:
        return [o["value"] for o in self._get(field).get("selected_options") or []]

    def users(self, field: Field) -> list[str]:
        return list(self._get(field).get("selected_users") or [])

    def user(self, field: Field) -> str | None:
        return self._get(field).get("selected_user") or None

    def picked_date(self, field: Field) -> str | None:
        return self._get(field).get("selected_date") or None


def declare_form(view: dict[str, Any]) -> DeclareForm:
    values = _Values(view)
    title = values.text(Field.TITLE)
    if not title:
        raise VigilError("A title is required.", field=Field.TITLE)
    types = values.choices(Field.TYPES)
    if not types:
        raise VigilError("Pick at least one incident type.", field=Field.TYPES)
    severity = values.choice(Field.SEVERITY)
    if severity is None:
        raise VigilError("Pick a severity; if unsure, the higher one.", field=Field.SEVERITY)
    return DeclareForm(
        title=title,
        types=types,
        severity=parse_severity(severity),
        tier=parse_tier(values.choice(Field.TIER) or Tier.STANDARD.value),
        region=values.choice(Field.REGION),
        summary=values.text(Field.SUMMARY),
        responders=values.users(Field.RESPONDERS),
        guidance=guidance_answers(view),
    )


def guidance_answers(view: dict[str, Any]) -> SeverityAnswers | None:
    """The severity guidance's answers in the modal as it stands (submitted, or while it is being filled)."""
    values = _Values(view)
    harm, imminence = values.choice(Field.HARM), values.choice(Field.IMMINENCE)
    return SeverityAnswers(harm, imminence) if harm and imminence else None


def update_form(view: dict[str, Any]) -> UpdateForm:
    values = _Values(view)
    summary = values.text(Field.SUMMARY)
    if not summary:
        raise VigilError("A summary is required.", field=Field.SUMMARY)
    status = values.choice(Field.STATUS)
    next_choice = values.choice(Field.NEXT_UPDATE)
    if next_choice is not None and next_choice not in NEXT_UPDATE_CHOICES:
        raise VigilError("Pick when the next update is due.", field=Field.NEXT_UPDATE)
    return UpdateForm(
        status=parse_status(status) if status else None,
        summary=summary,
        impact=values.text(Field.IMPACT),
        next_steps=values.text(Field.NEXT_STEPS),
        next_update_in=NEXT_UPDATE_CHOICES[next_choice] if next_choice else None,
    )


@dataclass(frozen=True)
class PartyForm:
    role: PartyRole
    name: str
    handle: str
    account_id: str
    contact: str


def party_form(view: dict[str, Any]) -> PartyForm:
    values = _Values(view)
    role = values.choice(Field.PARTY_ROLE)
    if role is None:
        raise VigilError("Pick the party's role in the case.", field=Field.PARTY_ROLE)
    return PartyForm(
        role=parse_role(role),
        name=values.text(Field.PARTY_NAME),
        handle=values.text(Field.HANDLE),
        account_id=values.text(Field.ACCOUNT_ID),
        contact=values.text(Field.CONTACT),
    )


@dataclass(frozen=True)
class ReferralForm:
    kind: str
    owner: str | None
    due_date: date | None
    external_ref: str
    note: str


def referral_form(view: dict[str, Any]) -> ReferralForm:
    values = _Values(view)
    kind = values.choice(Field.REFERRAL_KIND)
    if kind is None:
        raise VigilError("Pick where the referral goes.", field=Field.REFERRAL_KIND)
    due = values.picked_date(Field.DUE_DATE)
    return ReferralForm(
        kind=kind,
        owner=values.user(Field.REFERRAL_OWNER),
        due_date=date.fromisoformat(due) if due else None,
        external_ref=values.text(Field.EXTERNAL_REF),
        note=values.text(Field.NOTE),
    )


def resolve_note(view: dict[str, Any]) -> str:
    """The resolve form's note (it may be empty)."""
    return _Values(view).text(Field.NOTE)


def field_errors(error: VigilError, fallback: Field) -> dict[str, str]:
    """``{block_id: message}`` for ``ack(response_action="errors")``; errors about no input go on ``fallback``."""
    field = error.field if error.field in MODAL_FIELDS else fallback.value
    return {field: error.message}
