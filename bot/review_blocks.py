"""Block Kit for post-incident reviews: the published summary, and the review form. Pure dict-building.

The summary is built from a :class:`~incidents.reviews.ReviewDocument`, already named and redacted for its
audience, so the leadership channel's copy names nobody on a restricted incident. People's free text goes into
``plain_text`` objects, where Slack applies no formatting, mentions or links; what goes into mrkdwn (and the
notification ``text``) is escaped with :func:`bot.blocks.text.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from bot.blocks.text import escape, link
from bot.ids import ActionId, ViewId
from incidents.reviews import Minors, Review, ReviewDocument, ReviewFields, ReviewStatus
from incidents.reviews.gate import GateFinding, digest

Block = dict[str, Any]


class SummaryMessage(TypedDict):
    """``chat.postMessage`` arguments of a review's summary."""

    text: str
    blocks: list[Block]


TEXT_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("executive_summary", "Executive summary", True),
    ("people_affected", "People affected", False),
    ("content_exposure", "Content exposure before action", False),
    ("attention", "Regulatory or media attention", False),
    ("contributing_factors", "Contributing factors (one a line)", True),
    ("went_well", "What went well (one a line)", True),
    ("went_poorly", "What went poorly (one a line)", True),
    ("got_lucky", "Where we got lucky (one a line)", True),
    ("care_for_affected", "Care for the people affected (no personal detail)", True),
    ("wellbeing_note", "Wellbeing of the responders (aggregate only)", True),
)
"""(field name = block id = ``VigilError.field``, label, multiline)."""
FORM_FIELDS = frozenset({"owner", "minors_involved", "regions", *(name for name, _, _ in TEXT_FIELDS)})
"""Every input's block id: a ``VigilError.field`` among them is shown beside its input."""
NOT_PERSONAL = "not_personal"
"""Block and action id of the "not personal data" checkboxes the form shows after the publish gate refused it; each
option's value is the finding's :func:`~incidents.reviews.gate.digest`, never the text itself."""
MAX_MARKS = 10
"""Slack's limit on a checkboxes element's options; findings past it stay listed beside their field."""
GATE_NOTICE = (
    "⚠️ The personal-data check found what is listed under the fields below. Rewrite it, or tick what is not "
    "personal data (leadership then reads it as written), then Save and submit for review again."
)


def review_summary(document: ReviewDocument, *, file_name: str | None = None) -> SummaryMessage:
    """``chat.postMessage`` arguments (``text`` and ``blocks``) summarising the review for its audience."""
    d = document
    facts = [
        f"{d.final_severity} final · {d.peak_severity} peak",
        d.tier_label,
        f"Review {d.review_status_label.lower()}",
        d.audience_label,
    ]
    blocks: list[Block] = [
        {"type": "header", "text": _plain(f"Review · {d.ref}: {d.title}", 150)},
        {"type": "context", "elements": [_plain(" · ".join(facts), 2000)]},
        _section_plain("\n\n".join(d.executive_summary) or "No summary written yet."),
        {"type": "section", "fields": [_mrkdwn(f"*{m.label}*\n{escape(m.value)}", 2000) for m in d.metrics[:10]]},
        {
            "type": "section",
            "fields": [
                _mrkdwn(f"*Status updates*\n{escape(d.cadence.summary)}", 2000),
                _mrkdwn(f"*Clocks*\n{escape(_clocks_line(d))}", 2000),
            ],
        },
        {"type": "divider"},
        _section_plain(
            f"Impact\nPeople affected: {d.impact.people_affected}\nMinors involved: {d.impact.minors_involved}\n"
            f"Content exposure before action: {d.impact.content_exposure}\nRegions: {d.impact.regions}"
        ),
    ]
    if d.contributing_factors:
        blocks.append(_section_plain("Contributing factors\n" + "\n".join(f"• {f}" for f in d.contributing_factors)))
    blocks.append({"type": "section", "text": _mrkdwn(_actions_text(d), 3000)})
    notes = [*d.notices]
    if file_name:
        notes.append(f"Full review attached: {file_name}")
    blocks.append({"type": "context", "elements": [_plain(" ".join(notes), 2000)]})
    return {"text": escape(_clip(f"Post-incident review of {d.ref}: {d.title}", 300)), "blocks": blocks}


def review_form(ref: str, review: Review, *, findings: Sequence[GateFinding] = ()) -> dict[str, Any]:
    """The ``/incident review`` modal, filled with the review's current values. ``findings`` (from a refused
    submission) are listed under their fields, with checkboxes to mark them as not personal data."""
    blocks: list[Block] = [_section_plain(GATE_NOTICE), _not_personal_input(findings)] if findings else []
    blocks += [
        {
            "type": "input",
            "block_id": "owner",
            "label": _plain("Review owner"),
            "element": {"type": "users_select", "action_id": "owner", **_initial_user(review.owner)},
        },
        {
            "type": "input",
            "block_id": "minors_involved",
            "label": _plain("Minors involved"),
            "element": {
                "type": "static_select",
                "action_id": "minors_involved",
                "options": [_option(m.value.capitalize(), m.value) for m in Minors],
                "initial_option": _option(review.minors_involved.value.capitalize(), review.minors_involved.value),
            },
        },
        {
            "type": "input",
            "block_id": "regions",
            "optional": True,
            "label": _plain("Regions (comma separated)"),
            "element": _text_input("regions", ", ".join(review.regions), multiline=False),
        },
    ]
    for name, label, multiline in TEXT_FIELDS:
        blocks.append(
            {
                "type": "input",
                "block_id": name,
                "optional": True,
                "label": _plain(label),
                "element": _text_input(name, str(getattr(review, name)), multiline=multiline),
            }
        )
        found = [f"{f.label} “{f.text}”" for f in findings if f.field == name]
        if found:
            blocks.append(
                {"type": "context", "elements": [_plain("⚠️ Looks like personal data: " + " · ".join(found), 2000)]}
            )
    return {
        "type": "modal",
        "callback_id": ViewId.REVIEW,
        "private_metadata": ref,
        "title": _plain(f"Review {ref}", 24),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def review_preview(document: ReviewDocument, *, notice: str | None = None, cleared: bool = True) -> dict[str, Any]:
    """The modal after a save: the summary as the channel will see it, and the review's next step as a button
    (submit a draft, or one in review whose narrative changed since it was cleared; publish one in review; nothing
    once published). ``notice`` is an outcome or a refusal."""
    blocks: list[Block] = [_section_plain(notice)] if notice else []
    blocks += review_summary(document)["blocks"]
    buttons = [_button("Edit", ActionId.REVIEW_EDIT, document.ref)]
    if document.review_status == ReviewStatus.DRAFT or (
        document.review_status == ReviewStatus.IN_REVIEW and not cleared
    ):
        buttons.append(_button("Submit for review", ActionId.REVIEW_SUBMIT, document.ref, primary=True))
    elif document.review_status == ReviewStatus.IN_REVIEW:
        buttons.append(_button("Publish", ActionId.REVIEW_PUBLISH, document.ref, primary=True))
    else:
        buttons = []
    if buttons:
        blocks.append({"type": "actions", "block_id": "review-next", "elements": buttons})
    return {
        "type": "modal",
        "callback_id": ViewId.REVIEW_PREVIEW,
        "private_metadata": document.ref,
        "title": _plain(f"Review {document.ref}", 24),
        "close": _plain("Done"),
        "blocks": blocks,
    }


def form_fields(values: dict[str, dict[str, dict[str, Any]]]) -> ReviewFields:
    """Read the submitted modal's ``view["state"]["values"]``; empty inputs clear their field."""

    def text(name: str) -> str:
        return (values.get(name, {}).get(name, {}).get("value")) or ""

    minors = (values.get("minors_involved", {}).get("minors_involved", {}).get("selected_option") or {}).get("value")
    owner = values.get("owner", {}).get("owner", {}).get("selected_user")
    return ReviewFields(
        owner=owner,
        minors_involved=Minors(minors) if minors else None,
        regions=[r.strip() for r in text("regions").split(",") if r.strip()],
        **{name: text(name) for name, _, _ in TEXT_FIELDS},
    )


def form_not_personal(values: dict[str, dict[str, dict[str, Any]]]) -> set[str]:
    """The digests of the findings ticked as not personal data in a submitted form (none when it had no findings)."""
    chosen = values.get(NOT_PERSONAL, {}).get(NOT_PERSONAL, {}).get("selected_options") or []
    return {str(option.get("value")) for option in chosen}


def _not_personal_input(findings: Sequence[GateFinding]) -> Block:
    first: dict[str, GateFinding] = {}
    for finding in findings:
        first.setdefault(finding.text, finding)
    options = [
        {"text": _plain(f.text), "description": _plain(f"{f.field_label} · {f.label}"), "value": digest(f.text)}
        for f in first.values()
    ]
    return {
        "type": "input",
        "block_id": NOT_PERSONAL,
        "optional": True,
        "label": _plain("Not personal data", 2000),
        "element": {"type": "checkboxes", "action_id": NOT_PERSONAL, "options": options[:MAX_MARKS]},
    }


def _clocks_line(d: ReviewDocument) -> str:
    if not d.obligations:
        return "None ran"
    return "; ".join(f"{o.regime}: {o.outcome} ({o.margin})" for o in d.obligations[:6])


def _actions_text(d: ReviewDocument) -> str:
    if not d.actions:
        return "*Corrective actions*\nNone recorded."
    lines = [f"*Corrective actions* ({len(d.actions)})"]
    for a in d.actions[:8]:
        key = f"{link(a.tracker_url, a.tracker_key)} " if a.tracker_key and a.tracker_url else ""
        lines.append(f"• {key}{escape(_clip(a.title, 150))} · {escape(a.owner)} · due {a.due} · {a.status_label}")
    if len(d.actions) > 8:
        lines.append(f"…and {len(d.actions) - 8} more in the full review.")
    return "\n".join(lines)


def _section_plain(text: str) -> Block:
    return {"type": "section", "text": _plain(text, 3000)}


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit) or " ", "emoji": False}


def _mrkdwn(text: str, limit: int) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _clip(text, limit), "verbatim": True}


def _text_input(name: str, value: str, *, multiline: bool) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": name, "multiline": multiline}
    if value:
        element["initial_value"] = value[:3000]
    element["max_length"] = 3000
    return element


def _initial_user(key: str | None) -> dict[str, Any]:
    return {"initial_user": key} if key and not key.startswith("cli:") else {}


def _button(label: str, action_id: ActionId, value: str, *, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    return button | ({"style": "primary"} if primary else {})


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _plain(label), "value": value}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
