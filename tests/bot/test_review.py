"""``/incident review`` in Slack: the pre-filled form, field errors, the preview, submitting (through the publish
gate) and publishing (the summary and the HTML page in the incident channel, the leadership version in the
leadership channel), what a restricted incident's leadership post may say, and that nothing is posted twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from bot.ids import ActionId, PostingKind, ViewId
from emulators.slack import Message, SlackEmulator, View
from incidents import timeline
from incidents.context import Domain
from incidents.models import AuditEvent, Person, Posting
from incidents.outbox import PENDING, OutboxMessage, Topic
from incidents.reviews import (
    Minors,
    ReviewFields,
    ReviewStatus,
    get_or_start_review,
    publish_review,
    update_review,
)
from incidents.reviews import submit_for_review as submit_review
from incidents.reviews.gate import digest
from tests.bot.conftest import BotUnderTest, People, bot_settings, start_runtime

WEB = "https://vigil.example.org"


@pytest.fixture
def review_bot(emu: SlackEmulator, people: People, live_domain: Domain, db_url: str) -> Iterator[BotUnderTest]:
    leadership = emu.add_channel("leadership", members=[people.carol])
    settings = bot_settings(emu, db_url, people.announce, leadership_channel=leadership, web_base_url=WEB)
    runtime = start_runtime(settings, live_domain)
    runtime.socket_mode().connect()
    emu.wait_for(lambda: emu.socket_connections > 0)
    try:
        bot = BotUnderTest(emu, live_domain, settings, runtime, people)
        bot.leadership = leadership  # type: ignore[attr-defined]
        yield bot
    finally:
        runtime.stop()


def _open_review(bot: BotUnderTest, channel: str, user: str) -> View:
    ack = bot.command("review", channel=channel, user=user)
    assert not (ack.payload or {}).get("text"), ack.payload
    return bot.wait_for(
        lambda: next(
            (
                v
                for v in bot.emu.views.values()
                if v.user == user and v.view.get("callback_id") == ViewId.REVIEW and not v.closed
            ),
            None,
        )
    )


def _texts(view_or_blocks: View | list[dict[str, Any]]) -> str:
    blocks = view_or_blocks.view["blocks"] if isinstance(view_or_blocks, View) else view_or_blocks
    return str(blocks)


def _click(bot: BotUnderTest, view_id: str, user: str, action: ActionId, expect: str) -> View:
    bot.emu.block_action(user, view_id, action)
    return bot.wait_for(lambda: (v := bot.emu.views[view_id]) and expect in _texts(v) and v)


def _publish(bot: BotUnderTest, ref: str, channel: str, user: str, summary: str) -> View:
    """Write, submit, resolve and publish through Slack, as a commander would (resolving may ask in a form of its
    own, so the review is opened again to publish)."""
    view = _open_review(bot, channel, user)
    bot.emu.submit_view(view.id, user, {"executive_summary": {"executive_summary": summary}})
    _click(bot, view.id, user, ActionId.REVIEW_SUBMIT, "Submitted for review")
    bot.resolve(channel, user=user)
    view = _open_review(bot, channel, user)
    bot.emu.submit_view(view.id, user, {"executive_summary": {"executive_summary": summary}})
    view = _click(bot, view.id, user, ActionId.REVIEW_PUBLISH, "Published")
    bot.settle()
    return view


def _with_file(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.files]


def test_review_outside_an_incident_channel_says_so(review_bot: BotUnderTest) -> None:
    assert "works in an incident's channel" in review_bot.reply(review_bot.command("review"))
    assert review_bot.emu.views == {}


def test_form_is_prefilled_and_saving_shows_the_preview(review_bot: BotUnderTest) -> None:
    bot, people = review_bot, review_bot.people
    ref, channel = bot.declare()
    with bot.domain.unit() as ctx:
        timeline.post_update(ctx, ref, actor=people.alice, summary="Scam domain blocked; hosts warned.")
    view = _open_review(bot, channel.id, people.alice)
    inputs = {b["block_id"]: b["element"] for b in view.view["blocks"]}
    assert inputs["executive_summary"]["initial_value"] == "Scam domain blocked; hosts warned."
    assert inputs["owner"]["initial_user"] == people.alice
    assert inputs["minors_involved"]["initial_option"]["value"] == "unknown"

    values = {
        "owner": {"owner": people.bob},
        "minors_involved": {"minors_involved": "no"},
        "contributing_factors": {"contributing_factors": "Signup allowed new domains\nNo rate limit"},
    }
    ack = bot.emu.submit_view(view.id, people.alice, values)
    assert ack.problems == []
    preview = bot.emu.views[view.id]
    assert preview.view["callback_id"] == ViewId.REVIEW_PREVIEW
    shown = _texts(preview)
    assert f"Review · {ref}: Scam wave targeting hosts" in shown and "Signup allowed new domains" in shown
    buttons = [e["action_id"] for b in preview.view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [ActionId.REVIEW_EDIT, ActionId.REVIEW_SUBMIT]
    with bot.domain.unit() as ctx:
        review = get_or_start_review(ctx, ref, actor=people.alice)
        assert review.owner == people.bob and review.minors_involved is Minors.NO
        assert review.status is ReviewStatus.DRAFT
    bot.settle()
    bookmarks = bot.emu.bookmarks(channel.id)
    assert [(b.title, b.link) for b in bookmarks if b.title == "Review"] == [
        ("Review", f"{WEB}/web/incidents/{ref}/review")
    ]

    bot.emu.block_action(people.alice, view.id, ActionId.REVIEW_EDIT)
    form = bot.wait_for(lambda: (v := bot.emu.views[view.id]).view["callback_id"] == ViewId.REVIEW and v)
    assert {b["block_id"]: b["element"] for b in form.view["blocks"]}["owner"]["initial_user"] == people.bob


def test_a_refused_save_shows_beside_the_field(review_bot: BotUnderTest) -> None:
    bot, people = review_bot, review_bot.people
    ref, channel = bot.declare()
    view = _open_review(bot, channel.id, people.alice)
    bot.reply(bot.command("resolve", channel=channel.id))  # returns once the command has been carried out
    with bot.domain.unit() as ctx:  # someone else publishes while alice's form is open
        update_review(ctx, ref, ReviewFields(executive_summary="Contained."), actor=people.alice)
        submit_review(ctx, ref, actor=people.alice)
        publish_review(ctx, ref, actor=people.alice)
    ack = bot.emu.submit_view(view.id, people.alice, {"went_well": {"went_well": "Fast triage"}})
    assert ack.problems == []
    assert bot.emu.views[view.id].errors == {
        "executive_summary": f"The review of {ref} is published and can no longer be edited."
    }


def test_publishing_posts_summary_page_and_leadership_copy_once(review_bot: BotUnderTest) -> None:
    bot, emu, people = review_bot, review_bot.emu, review_bot.people
    leadership: str = bot.leadership  # type: ignore[attr-defined]
    ref, channel = bot.declare()
    view = _open_review(bot, channel.id, people.alice)
    emu.submit_view(view.id, people.alice, {"executive_summary": {"executive_summary": "Scam wave contained."}})
    _click(bot, view.id, people.alice, ActionId.REVIEW_SUBMIT, "Submitted for review")
    refused = _click(bot, view.id, people.alice, ActionId.REVIEW_PUBLISH, "resolve it before publishing")
    assert ActionId.REVIEW_PUBLISH in _texts(refused), "the preview stays, with its Publish button"
    bot.reply(bot.command("resolve", channel=channel.id))  # returns once the command has been carried out
    _click(bot, view.id, people.alice, ActionId.REVIEW_PUBLISH, "Published")
    bot.settle()

    summary = [m for m in emu.messages(channel.id) if m.blocks and f"Review · {ref}" in str(m.blocks)]
    assert len(summary) == 1 and "Scam wave contained." in str(summary[0].blocks)
    assert f"Full review attached: {ref}-review.html" in str(summary[0].blocks)
    [page] = _with_file(emu.messages(channel.id))
    file = emu.files[page.files[0]]
    assert file.name == f"{ref}-review.html" and file.completed and file.content is not None
    assert b"<html" in file.content and b"Scam wave contained." in file.content
    [lead_summary] = [m for m in emu.messages(leadership) if m.blocks]
    assert "Leadership" in str(lead_summary.blocks) and "Scam wave contained." in str(lead_summary.blocks)
    assert emu.files[_with_file(emu.messages(leadership))[0].files[0]].name == f"{ref}-review-leadership.html"

    again = bot.command("review", channel=channel.id)
    assert not (again.payload or {}).get("text")  # no message: the read-only preview opens instead of the form
    published = bot.wait_for(lambda: next((v for v in emu.views.values() if "is published" in _texts(v)), None))
    assert not any(b["type"] == "actions" for b in published.view["blocks"])

    counts = (len(emu.messages(channel.id)), len(emu.messages(leadership)), len(emu.files))
    with bot.domain.unit() as ctx:  # redelivered after a crash that lost the record of the channel summary
        ctx.session.execute(delete(Posting).where(Posting.kind == PostingKind.REVIEW_SUMMARY))
        ctx.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.topic == Topic.REVIEW_PUBLISHED)
            .values(state=PENDING, attempts=1, available_at=OutboxMessage.created_at)
        )
    bot.runtime.dispatcher.poke()
    bot.settle()
    assert (len(emu.messages(channel.id)), len(emu.messages(leadership)), len(emu.files)) == counts
    assert len([b for b in emu.bookmarks(channel.id) if b.title == "Review"]) == 1


def test_restricted_leadership_post_names_nobody(review_bot: BotUnderTest) -> None:
    bot, emu = review_bot, review_bot.emu
    leadership: str = bot.leadership  # type: ignore[attr-defined]
    dana = emu.add_user("dana", real_name="Dana Whitfield", email="dana.whitfield@example.org")
    erin = emu.add_user("erin", real_name="Erin Okafor", email="erin@example.org")
    ref, channel = bot.declare("SEV1 type:child_safety Exploitation report on a listing", user=dana)
    assert channel.is_private
    bot.reply(
        bot.command(f"role <@{erin}> deputy", channel=channel.id, user=dana)
    )  # returns once the command has been carried out
    bot.settle()

    def learnt_name() -> str | None:  # names are looked up in the background after provisioning
        with bot.domain.unit() as ctx:
            person = ctx.session.get(Person, dana)
            return person.display_name if person else None

    assert bot.wait_for(learnt_name) == "Dana Whitfield"
    summary = f"Dana Whitfield and <@{erin}> removed the listing."  # her e-mail would stop at the publish gate
    _publish(bot, ref, channel.id, dana, summary)

    [team] = [m for m in emu.messages(channel.id) if m.blocks and f"Review · {ref}" in str(m.blocks)]
    assert "Dana Whitfield" in str(team.blocks) and "Erin Okafor" in str(team.blocks)
    lead = emu.messages(leadership)
    assert len([m for m in lead if m.blocks]) == 1
    posted = str([m.blocks for m in lead]) + str([emu.files[f].content for m in lead for f in m.files])
    for secret in ("Dana", "Whitfield", "dana.whitfield@example.org", "Erin", "Okafor", erin, dana):
        assert secret not in posted, secret
    assert "Commander" in posted
    with bot.domain.unit() as ctx:
        assert (
            ctx.session.scalar(select(Posting.channel).where(Posting.kind == PostingKind.REVIEW_LEADERSHIP))
            == leadership
        )


def _buttons(view: View) -> list[str]:
    return [e["action_id"] for b in view.view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_blocked_submission_lists_findings_beside_their_fields_until_rewritten_or_marked(
    review_bot: BotUnderTest,
) -> None:
    bot, emu, people = review_bot, review_bot.emu, review_bot.people
    leadership: str = bot.leadership  # type: ignore[attr-defined]
    phone, email = "+44 20 7946 0958", "trust-desk@example.org"
    ref, channel = bot.declare()
    view = _open_review(bot, channel.id, people.alice)
    written = {
        "executive_summary": {"executive_summary": f"The host called us from {phone}; the scam wave is contained."},
        "went_poorly": {"went_poorly": f"- Reports to {email} waited a day"},
    }
    emu.submit_view(view.id, people.alice, written)
    emu.block_action(people.alice, view.id, ActionId.REVIEW_SUBMIT)
    form = bot.wait_for(lambda: (v := emu.views[view.id]).view["callback_id"] == ViewId.REVIEW and v)

    blocks = form.view["blocks"]
    block_ids = [b.get("block_id") for b in blocks]
    beside = {block_ids[i - 1]: b["elements"][0]["text"] for i, b in enumerate(blocks) if b["type"] == "context"}
    assert beside == {
        "executive_summary": f"⚠️ Looks like personal data: phone “{phone}”",
        "went_poorly": f"⚠️ Looks like personal data: email “{email}”",
    }
    [marks] = [b["element"] for b in blocks if b.get("block_id") == "not_personal"]
    assert [(o["text"]["text"], o["description"]["text"]) for o in marks["options"]] == [
        (phone, "Executive summary · phone"),
        (email, "Went poorly · email"),
    ]
    assert "personal-data check found" in _texts(form)
    with bot.domain.unit() as ctx:
        assert get_or_start_review(ctx, ref, actor=people.alice).status is ReviewStatus.DRAFT

    ack = emu.submit_view(
        view.id,
        people.alice,
        {
            "executive_summary": {"executive_summary": "The host called us; the scam wave is contained."},
            "not_personal": {"not_personal": [digest(phone), digest(email)]},  # the phone was rewritten as well
        },
    )
    assert ack.problems == [] and emu.views[view.id].errors is None
    assert _buttons(emu.views[view.id]) == [ActionId.REVIEW_EDIT, ActionId.REVIEW_SUBMIT]
    submitted = _click(bot, view.id, people.alice, ActionId.REVIEW_SUBMIT, "Submitted for review")
    assert _buttons(submitted) == [ActionId.REVIEW_EDIT, ActionId.REVIEW_PUBLISH]
    with bot.domain.unit() as ctx:
        assert get_or_start_review(ctx, ref, actor=people.alice).not_personal == [email]
        [mark] = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.not_personal")).all()
        assert (mark.actor, mark.details["sha256"]) == (people.alice, digest(email))

    bot.reply(bot.command("resolve", channel=channel.id))  # returns once the command has been carried out
    _click(bot, view.id, people.alice, ActionId.REVIEW_PUBLISH, "Published")
    bot.settle()
    [lead_page] = [emu.files[f] for m in _with_file(emu.messages(leadership)) for f in m.files]
    assert lead_page.content is not None and email.encode() in lead_page.content, "marked: leadership reads it"
    assert phone.encode() not in lead_page.content


def test_an_edit_after_submission_asks_for_another_submission(review_bot: BotUnderTest) -> None:
    bot, emu, people = review_bot, review_bot.emu, review_bot.people
    ref, channel = bot.declare()
    view = _open_review(bot, channel.id, people.alice)
    emu.submit_view(view.id, people.alice, {"executive_summary": {"executive_summary": "Scam wave contained."}})
    _click(bot, view.id, people.alice, ActionId.REVIEW_SUBMIT, "Submitted for review")
    emu.block_action(people.alice, view.id, ActionId.REVIEW_EDIT)
    bot.wait_for(lambda: emu.views[view.id].view["callback_id"] == ViewId.REVIEW)
    emu.submit_view(view.id, people.alice, {"went_well": {"went_well": "Fast triage"}})
    assert _buttons(emu.views[view.id]) == [ActionId.REVIEW_EDIT, ActionId.REVIEW_SUBMIT]
    again = _click(bot, view.id, people.alice, ActionId.REVIEW_SUBMIT, "Submitted for review")
    assert _buttons(again) == [ActionId.REVIEW_EDIT, ActionId.REVIEW_PUBLISH]
    with bot.domain.unit() as ctx:
        assert get_or_start_review(ctx, ref, actor=people.alice).leadership_cleared
