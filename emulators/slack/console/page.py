"""The console's page: the box to type in, every channel with what the acting person sees there, and their
open modal on top. The feed (the channels) is also served alone, for the page's script to refresh it."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from emulators.slack.console.mrkdwn import Directory
from emulators.slack.console.surfaces import Post, Where, modal_html, modal_key, post_html
from emulators.slack.console.widgets import attributes
from emulators.slack.models import Channel, View


@dataclass(frozen=True)
class Scene:
    """What one person sees of the workspace at one moment."""

    directory: Directory
    where: Where
    acting: str
    """The acting person's user id."""
    channels: Sequence[Channel]
    """In the order shown: channels oldest first, then direct messages."""
    posts: dict[str, list[Post]]
    """Channel id → its posts, oldest first."""
    files: dict[str, str] = field(default_factory=dict)
    """File id → its name."""
    modal: View | None = None
    depth: int = 0
    problem: str = ""
    """Why the modal's last submit or use went nowhere (Slack's client would say so)."""
    errors: dict[str, str] = field(default_factory=dict)
    """Field errors Slack's client shows without asking the app (required inputs left empty)."""


def console_url(where: Where) -> str:
    return "/console?" + urlencode({"user": where.user, "channel": where.channel})


def _title(channel: Channel, directory: Directory) -> str:
    if channel.is_im:
        return f"{directory.person(channel.dm_user or '')} · direct messages with the app"
    return f"#{channel.name}" + (" (private)" if channel.is_private else "")


def _thread(posts: list[Post]) -> list[tuple[Post, list[Post]]]:
    """Posts with their thread replies under them (a reply whose parent is gone stands alone)."""
    parents = {p.ts for p in posts if not p.thread_ts or p.thread_ts == p.ts}
    replies: dict[str, list[Post]] = {}
    for post in posts:
        if post.thread_ts and post.thread_ts != post.ts and post.thread_ts in parents:
            replies.setdefault(post.thread_ts, []).append(post)
    return [
        (p, replies.get(p.ts, []))
        for p in posts
        if not (p.thread_ts and p.thread_ts != p.ts and p.thread_ts in parents)
    ]


def _channel_html(channel: Channel, scene: Scene) -> str:
    directory, where = scene.directory, scene.where
    refused = ""
    if channel.is_im and channel.dm_user != scene.acting:
        refused = f"Only {directory.person(channel.dm_user or '')} sees these: act as them to use them"
    items = []
    for post, replies in _thread(scene.posts.get(channel.id, [])):
        shown = post_html(post, directory, where, refused, scene.files)
        if replies:
            thread = "".join(post_html(r, directory, where, refused, scene.files) for r in replies)
            shown = shown.removesuffix("</li>") + f'<ol class="thread">{thread}</ol></li>'
        items.append(shown)
    here = ""
    if not channel.is_im:
        target = console_url(Where(where.user, channel.name))
        here = f' <a class="here"{attributes(href=target)}>type here</a>'
    note = f'<p class="note">{html.escape(refused)}.</p>' if refused else ""
    posts = "".join(items) or '<li class="empty">No messages yet</li>'
    return (
        f'<section class="channel"{attributes(id=f"c-{channel.id}")}>'
        f"<h2>{html.escape(_title(channel, directory))}{here}</h2>{note}"
        f'<ol class="posts">{posts}</ol></section>'
    )


def feed_html(scene: Scene) -> str:
    """Every channel, and the direct messages, with their posts."""
    return "".join(_channel_html(c, scene) for c in scene.channels)


def digest(feed: str) -> str:
    """Changes when the feed does: the page's script replaces its feed only then."""
    return hashlib.sha256(feed.encode()).hexdigest()[:16]


def page_html(scene: Scene, notice: str = "") -> str:
    """The whole page: the command bar, the feed, and the acting person's modal when one is open."""
    directory, where = scene.directory, scene.where
    people = "".join(
        f"<option{attributes(value=name, selected=name == where.user)}>{html.escape(name)}</option>"
        for name in directory.humans().values()
    )
    rooms = "".join(
        f"<option{attributes(value=c.name, selected=c.name == where.channel)}>#{html.escape(c.name)}</option>"
        for c in scene.channels
        if not c.is_im
    )
    jumps = " ".join(
        f"<a{attributes(href=f'#c-{c.id}')}>{html.escape(_title(c, directory).split(' · ')[0])}</a>"
        for c in scene.channels
    )
    feed_url = "/console/feed?" + urlencode({"user": where.user, "channel": where.channel})
    feed = feed_html(scene)
    modal = modal_html(scene.modal, scene.depth, directory, where, scene.problem, scene.errors) if scene.modal else ""
    shown_notice = f'<p class="notice" role="alert">{html.escape(notice)}</p>' if notice else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slack emulator console</title>'
        '<link rel="stylesheet" href="/console/static/console.css">'
        '<script src="/console/static/console.js" defer></script></head>'
        f"<body{attributes(data_feed=feed_url, data_digest=digest(feed), data_page=console_url(where))}"
        f"{attributes(data_modal=modal_key(scene.modal))}>"
        '<header class="bar"><form method="post" action="/console">'
        f'<label>Person <select name="user" data-person>{people}</select></label> '
        f'<label>in <select name="channel">{rooms}</select></label> '
        '<input name="text" value="/incident " aria-label="Command" autofocus autocomplete="off"> '
        f'<button type="submit" class="btn primary">Send</button></form><nav>{jumps}</nav></header>'
        f'{shown_notice}<main id="feed">{feed}</main>{modal}</body></html>'
    )
