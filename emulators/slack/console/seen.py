"""What one person sees of the emulated workspace: every channel's messages, the replies only they see (as the
app's later replacements left them), and the modal on top of their stack."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from emulators.slack.console.mrkdwn import Directory
from emulators.slack.console.page import Scene
from emulators.slack.console.surfaces import Post, Where
from emulators.slack.models import Ephemeral, Message, ResponseUrlPost

if TYPE_CHECKING:
    from emulators.slack.emulator import SlackEmulator


def directory(emu: SlackEmulator) -> Directory:
    users, channels = emu.users, emu.channels
    return Directory(
        people={u.id: u.name for u in users.values()},
        channels={c.id: c.name for c in channels.values() if not c.is_im},
        bots=frozenset(u.id for u in users.values() if u.is_bot),
    )


def _message_post(message: Message) -> Post:
    return Post(
        channel=message.channel,
        ts=message.ts,
        user=message.user,
        text=message.text,
        blocks=message.blocks,
        thread_ts=message.thread_ts,
        edited=message.edited_ts is not None,
        files=tuple(message.files),
        reactions=message.reactions,
    )


def replies_seen(emu: SlackEmulator, acting: str, told: list[tuple[str, Post]]) -> dict[str, Post]:
    """The ephemeral messages ``acting`` sees, by ts: chat.postEphemeral's, the answers on acks (``told``, which
    the console keeps) and on response_urls, each replaced or deleted by later responses aimed at it."""
    seeds: list[Post | ResponseUrlPost] = [
        Post(e.channel, e.ts, emu.bot_user_id, e.text, e.blocks, e.thread_ts, only_you=True)
        for e in emu.ephemerals
        if e.user == acting
    ]
    seeds += [post for user, post in told if user == acting]
    seeds += [r for r in emu.responses if r.user == acting]
    visible: dict[str, Post] = {}
    for item in sorted(seeds, key=lambda i: float(i.ts or 0)):
        if isinstance(item, Post):
            visible[item.ts] = item
            continue
        target = item.message_ts if item.message_ts in visible else None
        if item.delete_original:
            visible.pop(target or "", None)
        elif item.replace_original and target:
            visible[target] = replace(visible[target], text=item.text or "", blocks=item.blocks, edited=True)
        elif not (item.replace_original and item.message_ts) and item.response_type != "in_channel":
            visible[item.ts] = Post(item.channel, item.ts, emu.bot_user_id, item.text or "", item.blocks, only_you=True)
    return visible


def ephemeral(emu: SlackEmulator, acting: str, told: list[tuple[str, Post]], channel: str, ts: str) -> Ephemeral | None:
    """The ephemeral message ``acting`` sees at (channel, ts), as it is now: what a click on it acts on."""
    post = replies_seen(emu, acting, told).get(ts)
    if post is None or post.channel != channel:
        return None
    return Ephemeral(post.channel, acting, post.ts, post.text, post.blocks, post.thread_ts)


def scene(
    emu: SlackEmulator,
    where: Where,
    acting: str,
    told: list[tuple[str, Post]],
) -> Scene:
    """The page's content for ``acting``, typing in ``where.channel``."""
    channels = sorted(emu.channels.values(), key=lambda c: (c.is_im, c.created, c.name))
    posts = {c.id: [_message_post(m) for m in emu.messages(c.id)] for c in channels}
    for reply in replies_seen(emu, acting, told).values():
        if reply.channel in posts:
            posts[reply.channel].append(reply)
    for listed in posts.values():
        listed.sort(key=lambda p: float(p.ts or 0))
    stack = [v for v in emu.views.values() if v.type == "modal" and v.user == acting and not v.closed]
    return Scene(
        directory=directory(emu),
        where=where,
        acting=acting,
        channels=channels,
        posts=posts,
        files={f.id: f.name for f in emu.files.values()},
        modal=stack[-1] if stack else None,
        depth=len(stack),
    )
