"""How the emulator's console shows what an app posted: mrkdwn as Slack reads it (names for mentions, Slack's escaping
undone, links only to web and mail addresses) and Block Kit laid out as Slack lays it out, with nothing in any text
able to become markup."""

from __future__ import annotations

import re

import pytest

from emulators.slack.console.blocks import Block, blocks_html
from emulators.slack.console.mrkdwn import Directory, mrkdwn_html
from emulators.slack.console.surfaces import MessageControls, Post, Where

pytestmark = pytest.mark.emulator

WRITTEN = re.compile(
    r'</?(b|i|s|code|pre|blockquote)>|<span class="mention">|</span>|</a>'
    r'|<a href="(https?:|mailto:)[^"<>]*" target="_blank" rel="noopener noreferrer">'
)
"""The only markup the renderer writes: styles, mention chips and links to web or mail addresses."""
PEOPLE = Directory(people={"U1": "maya", "UB": "vigil"}, channels={"C1": "inc-42-scam"}, bots=frozenset({"UB"}))


@pytest.mark.parametrize(
    ("mrkdwn", "shown"),
    [
        ("<@U1> took command", '<span class="mention">@maya</span> took command'),
        (
            "<@U1|someone-else> and <@U9|lee>",
            '<span class="mention">@maya</span> and <span class="mention">@lee</span>',
        ),
        ("join <#C1>", 'join <span class="mention">#inc-42-scam</span>'),
        ("<!here> and <!channel>", '<span class="mention">@here</span> and <span class="mention">@channel</span>'),
        ("<!subteam^S1|@oncall>", '<span class="mention">@oncall</span>'),
        ("due <!date^1700000000^{date_short} {time}|2023-11-14 22:13 UTC>", "due 2023-11-14 22:13 UTC"),
        ("`/incident role @person &lt;role&gt;`", "<code>/incident role @person &lt;role&gt;</code>"),
        ("Tom &amp; Jerry &lt;3", "Tom &amp; Jerry &lt;3"),
        ("*bold* _italic_ ~gone~ fraud_scam", "<b>bold</b> <i>italic</i> <s>gone</s> fraud_scam"),
        ("*<@U1> accepted*", '<b><span class="mention">@maya</span> accepted</b>'),
        ("&gt; quoted\nnot", "<blockquote>quoted</blockquote>not"),
        ("```a *b*\n&lt;c&gt;```", "<pre>a *b*\n&lt;c&gt;</pre>"),
        (":rotating_light: :not_an_emoji:", "🚨 :not_an_emoji:"),
        (
            "<https://example.org/a?b=1&amp;c=2|the review>",
            '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the review</a>',
        ),
    ],
)
def test_mrkdwn_reads_as_slack_shows_it(mrkdwn: str, shown: str) -> None:
    assert mrkdwn_html(mrkdwn, PEOPLE) == shown


@pytest.mark.parametrize(
    "planted",
    [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        '&lt;img src=x onerror="alert(1)"&gt;',
        '<img src=x onerror="alert(1)">',
        "<javascript:alert(1)|click me>",
        '<https://x.org/" onmouseover="alert(1)|x>',
        "*&lt;b onclick=alert(1)&gt;*",
        "\ue0000\ue001 <@U1>",
    ],
)
def test_nothing_in_a_text_becomes_markup(planted: str) -> None:
    shown = mrkdwn_html(planted, PEOPLE)
    assert "<" not in WRITTEN.sub("", shown), shown  # every tag left is one the renderer writes itself


def test_blocks_lay_out_as_slacks_do_with_buttons_as_controls() -> None:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "INC-42 · <SEV1>"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Roles*"},
         "fields": [{"type": "mrkdwn", "text": "*Commander*\n<@U1>"}, {"type": "plain_text", "text": "a & b"}]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "image", "image_url": "https://x", "alt_text": "avatar"},
                                         {"type": "mrkdwn", "text": "by <@U1>"}]},
        {"type": "image", "image_url": "https://x/chart.png", "alt_text": "severity over time"},
        {"type": "actions", "block_id": "handoff-7", "elements": [
            {"type": "button", "action_id": "accept", "text": {"type": "plain_text", "text": "Accept"},
             "style": "primary", "value": "7"},
            {"type": "overflow", "action_id": "more", "options": [
                {"text": {"type": "plain_text", "text": "Snooze"}, "value": "snooze"}]}]},
        {"type": "video", "title": {"type": "plain_text", "text": "x"}},
    ]  # fmt: skip
    post = Post(channel="C1", ts="1.000001", user="UB", text="fallback", blocks=blocks)
    shown = blocks_html(blocks, PEOPLE, MessageControls(Where("maya", "general"), post, PEOPLE))

    assert '<h3 class="block header">INC-42 · &lt;SEV1&gt;</h3>' in shown
    assert (
        '<div class="fields"><div><b>Commander</b>\n<span class="mention">@maya</span></div><div>a &amp; b</div>'
        in shown
    )
    assert '<hr class="block divider">' in shown
    assert "🖼 avatar" in shown and "🖼 severity over time" in shown and "https://x" not in shown
    assert (
        '<button type="submit" name="do" value="[&quot;handoff-7&quot;, &quot;accept&quot;]" class="btn primary"'
        in shown
    )
    assert '<input type="hidden" name="in" value="C1"><input type="hidden" name="ts" value="1.000001">' in shown
    assert (
        '<select name="value" data-dispatch><option value="" selected>⋯</option><option value="snooze">Snooze' in shown
    )
    assert "[video block]" in shown


def test_controls_are_disabled_where_the_acting_person_cannot_use_them() -> None:
    blocks: list[Block] = [{"type": "actions", "block_id": "b", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Accept"}}]}]  # fmt: skip
    post = Post(channel="D1", ts="1.0", user="UB", text="", blocks=blocks)
    refused = "Only sam sees these: act as them to use them"
    shown = blocks_html(blocks, PEOPLE, MessageControls(Where("maya", "general"), post, PEOPLE, refused))
    assert f'disabled title="{refused}">Accept</button>' in shown
