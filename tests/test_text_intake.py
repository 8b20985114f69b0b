"""Text people write reaches the record without bidirectional control characters: a right-to-left override in a
title ("Scam wave \u202eexe.gnp") would make a list, a page or a spreadsheet show something other than what is
stored. Mentions keep pointing at the names they mark."""

from __future__ import annotations

from incidents import actions, lifecycle, timeline
from incidents.context import Domain
from incidents.enums import Severity
from incidents.guards import BIDI_CONTROLS
from incidents.mentions import Mention
from incidents.queries import incident_to_show
from incidents.reviews import ReviewFields, get_or_start_review, update_review

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _plain(value: str) -> bool:
    return not set(value) & set(CONTROLS)


def test_every_bidirectional_control_is_known() -> None:
    assert set(BIDI_CONTROLS) == set(CONTROLS)


def test_titles_and_free_text_are_stored_without_bidirectional_controls(domain: Domain) -> None:
    with domain.unit() as ctx:
        ref = lifecycle.declare(
            ctx,
            actor="U_ALICE",
            title="Scam wave \u202eexe.gnp\u202c targeting hosts",
            types=["fraud_scam"],
            severity=Severity.SEV3,
            summary="Fake \u2067payment\u2069 pages",
        ).ref
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U_ALICE", text="\u202e@Bob please look", mentions=[Mention("U_BOB", 1, 5)])
        timeline.post_update(
            ctx, ref, actor="U_ALICE", summary="Pages \u200fdown", impact="\u061cHosts", next_steps="\u202dWatch"
        )
        actions.add_action(ctx, ref, actor="U_ALICE", title="Block \u202edomain", description="\u202aSee the list")
        update_review(ctx, ref, ReviewFields(executive_summary="Taken \u202edown"), actor="U_ALICE")
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        note = next(e for e in incident.timeline if e.text.endswith("please look"))
        update, action = incident.updates[-1], incident.actions[-1]
        review = get_or_start_review(ctx, ref, actor="U_ALICE")
        stored = [incident.title, incident.summary, note.text, update.summary, update.impact, update.next_steps,
                  action.title, action.description, review.executive_summary]  # fmt: skip
    assert incident.title == "Scam wave exe.gnp targeting hosts"
    assert all(_plain(value) for value in stored), stored
    [mention] = note.data["mentions"]
    assert note.text[mention["start"] : mention["end"]] == "@Bob"
