"""The Slack summary and review form: Block Kit within Slack's limits, redacted per audience."""

from __future__ import annotations

import json

from bot.ids import ViewId
from bot.review_blocks import form_fields, review_form, review_summary
from incidents.context import Domain
from incidents.reviews import Audience, Minors, get_or_start_review, review_document
from tests.reviews.scenario import PEOPLE, REF


def test_leadership_summary_names_nobody_and_fits_slack_limits(domain: Domain, incident_ref: str) -> None:
    with domain.unit() as ctx:
        document = review_document(ctx, REF, actor="U0EXEC", audience=Audience.LEADERSHIP)
    message = review_summary(document, file_name=f"{REF}-review.html")
    dumped = json.dumps(message)
    for key, (name, email) in PEOPLE.items():
        assert key not in dumped and name not in dumped and email not in dumped
    blocks = message["blocks"]
    assert len(blocks) <= 50
    assert blocks[0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": f"Review · {REF}: Suicide or self-harm + Threat of violence · SEV1 · EMEA",
            "emoji": False,
        },
    }
    assert "Live stream" not in dumped and "jira.example.com" not in dumped
    assert f"Full review attached: {REF}-review.html" in dumped
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000


def test_team_summary_keeps_user_text_out_of_mrkdwn(domain: Domain, incident_ref: str) -> None:
    with domain.unit() as ctx:
        document = review_document(ctx, REF, actor="U0CHEN", audience=Audience.TEAM)
    summary = review_summary(document)["blocks"][2]
    assert summary["text"]["type"] == "plain_text"
    assert summary["text"]["text"].startswith("A streamer stated an intent to self-harm")


def test_form_round_trip(domain: Domain, incident_ref: str) -> None:
    with domain.unit() as ctx:
        review = get_or_start_review(ctx, REF, actor="U0BONGANI")
        view = review_form(REF, review)
    assert view["callback_id"] == ViewId.REVIEW and view["private_metadata"] == REF
    values = {}
    for block in view["blocks"]:
        element = block["element"]
        state = {"type": element["type"]}
        if element["type"] == "plain_text_input":
            state["value"] = element.get("initial_value")
        elif element["type"] == "users_select":
            state["selected_user"] = element.get("initial_user")
        else:
            state["selected_option"] = element["initial_option"]
        values[block["block_id"]] = {element["action_id"]: state}
    values["went_well"]["went_well"]["value"] = None
    fields = form_fields(values)
    assert fields.owner == "U0BONGANI" and fields.minors_involved is Minors.NO
    assert fields.regions == ["EMEA", "DE"]
    assert fields.went_well == "" and fields.got_lucky == review.got_lucky
