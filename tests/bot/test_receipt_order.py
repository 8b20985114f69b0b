"""The timeline keeps the order Vigil received requests in, whatever order its workers get to them: an entry's
time is the envelope's arrival, and entries with the same time keep the order they were recorded in."""

from __future__ import annotations

import time

from incidents import timeline
from incidents.context import Domain
from incidents.enums import TimelineKind
from incidents.queries import incident_to_show
from incidents.reviews import Audience, Format, load_templates, render_review
from tests.bot.conftest import BotUnderTest
from tests.helpers import declared_ref

NOTES = [f"Finding {n:02d} from the sweep" for n in range(1, 13)]


def _team_review(domain: Domain, ref: str, actor: str) -> str:
    with domain.unit() as ctx:
        return render_review(
            ctx, ref, actor=actor, audience=Audience.TEAM, fmt=Format.MARKDOWN, templates=load_templates()
        )


def _in_order_of_appearance(text: str, wanted: list[str]) -> list[str]:
    return sorted(wanted, key=text.index)


def _notes(domain: Domain, ref: str) -> list[str]:
    with domain.unit() as ctx:
        return [e.text for e in incident_to_show(ctx, ref).timeline if e.kind is TimelineKind.NOTE]


def test_notes_sent_10ms_apart_over_socket_mode_keep_their_order(bot: BotUnderTest) -> None:
    _notes_sent_10ms_apart_keep_their_order(bot)


def test_notes_sent_10ms_apart_over_http_keep_their_order(http_bot: BotUnderTest) -> None:
    _notes_sent_10ms_apart_keep_their_order(http_bot)


def _notes_sent_10ms_apart_keep_their_order(bot: BotUnderTest) -> None:
    """Twelve ``/incident note`` commands 10 ms apart: their replies, the timeline and the team review."""
    ref, channel = bot.declare()
    sent = []
    for note in NOTES:
        sent.append(bot.emu.slash_command_nowait(bot.people.alice, channel.id, f"note {note}"))
        time.sleep(0.01)
    acks = [future.result(timeout=15) for future in sent]
    assert not any(ack.timed_out for ack in acks)
    replies = [bot.reply(ack) for ack in acks]
    assert all(reply.startswith(f"Noted on {ref}") for reply in replies), replies

    assert _notes(bot.domain, ref) == NOTES
    review = _team_review(bot.domain, ref, bot.people.alice)
    assert _in_order_of_appearance(review, NOTES) == NOTES


def test_entries_with_the_same_time_keep_the_order_they_were_recorded_in(domain: Domain) -> None:
    """The test clock stands still, so every entry has the same time; the sequence orders them."""
    ref = declared_ref(domain)
    other = declared_ref(domain)
    for note in NOTES:
        with domain.unit() as ctx:
            timeline.add_note(ctx, ref, actor="U_A", text=note)
    with domain.unit() as ctx:
        timeline.add_note(ctx, other, actor="U_A", text="Elsewhere")
        entries = incident_to_show(ctx, ref).timeline
        assert len({e.at for e in entries}) == 1
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert [e.seq for e in incident_to_show(ctx, other).timeline][-1] == len(incident_to_show(ctx, other).timeline)

    assert _notes(domain, ref) == NOTES
    review = _team_review(domain, ref, "U_A")
    assert _in_order_of_appearance(review, NOTES) == NOTES
