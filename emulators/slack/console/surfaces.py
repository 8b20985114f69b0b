"""The two surfaces blocks appear on, as HTML: a post in a channel and a modal.

A post's buttons and menus are small forms that send their use to ``/console/action`` as the acting person; a
modal is one form, posted to ``/console/view/<id>``, whose fields are the view's inputs (Submit, Close, or the
element that was used, in ``do``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulators.slack.console.blocks import Block, blocks_html
from emulators.slack.console.forms import control_id, field_name
from emulators.slack.console.mrkdwn import Directory, mrkdwn_html, plain_html, text_html, text_plain
from emulators.slack.console.widgets import attributes, button, chosen, hidden, widget
from emulators.slack.models import View

BUTTONS = {"button", "workflow_button"}


@dataclass(frozen=True)
class Where:
    """Who acts in the console and in which channel they type (names), carried through every form so the page
    comes back as it was."""

    user: str
    channel: str

    def hidden(self) -> str:
        return hidden(user=self.user, channel=self.channel)


@dataclass(frozen=True)
class Post:
    """One entry of a channel as the acting person sees it: a message, or a reply only they see."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[Block] | None = None
    thread_ts: str | None = None
    only_you: bool = False
    """Ephemeral: an answer to a command or a click, or chat.postEphemeral."""
    edited: bool = False
    files: tuple[str, ...] = ()
    reactions: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageControls:
    """A post's elements, each a form sending its click or pick as the acting person."""

    where: Where
    post: Post
    directory: Directory
    refused: str = ""
    """Why the acting person cannot use them (shown on hover; the controls are disabled)."""

    def element(self, block: Block, element: Block) -> str:
        name = field_name(str(block.get("block_id")), str(element.get("action_id")))
        carried = self.where.hidden() + hidden(**{"in": self.post.channel, "ts": self.post.ts})
        if element.get("type") in BUTTONS:
            control = button(element, "do", name, in_form=False, disabled=self.refused)
        else:
            control = hidden(do=name) + widget(
                element, "value", chosen(element, None), self.directory, dispatch=True, disabled=self.refused
            )
        return f'<form class="act" method="post" action="/console/action">{carried}{control}</form>'

    def input(self, block: Block, element: Block) -> str:
        return widget(element, "value", [], self.directory, disabled="Input blocks belong in modals")


@dataclass(frozen=True)
class ModalControls:
    """A modal's elements as fields of its one form, showing what the person entered so far."""

    view: View
    directory: Directory

    def _current(self, block: Block, element: Block) -> list[str]:
        entry = self.view.state.get(str(block.get("block_id")), {}).get(str(element.get("action_id")))
        return chosen(element, entry if isinstance(entry, dict) else None)

    def element(self, block: Block, element: Block) -> str:
        name = field_name(str(block.get("block_id")), str(element.get("action_id")))
        if element.get("type") in BUTTONS:
            return button(element, "do", name, in_form=True)
        return widget(element, name, self._current(block, element), self.directory, dispatch=True)

    def input(self, block: Block, element: Block) -> str:
        name = field_name(str(block.get("block_id")), str(element.get("action_id")))
        dispatch, required = bool(block.get("dispatch_action")), not block.get("optional")
        current, ident = (
            self._current(block, element),
            control_id(str(block.get("block_id")), str(element.get("action_id"))),
        )
        return widget(element, name, current, self.directory, dispatch=dispatch, required=required, id_=ident)


def _time(ts: str) -> str:
    try:
        return f"{datetime.fromtimestamp(float(ts), UTC):%H:%M:%S}"
    except (ValueError, OverflowError, OSError):
        return ""


def post_html(
    post: Post, directory: Directory, where: Where, refused: str = "", files: dict[str, str] | None = None
) -> str:
    """A post: who, when, then its blocks (or its text when it has none), files and reactions. Its notification
    text shows on hovering the time, as a push notification would read."""
    author = directory.person(post.user)
    app = ' <span class="tag">APP</span>' if post.user in directory.bots else ""
    notified = text_plain(post.text, directory)
    meta = (
        f'<div class="meta"><b>{html.escape(author)}</b>{app} '
        f"<time{attributes(title=f'Notification: {notified}' if notified and post.blocks else None)}>"
        f"{_time(post.ts)}</time>"
        + (' <span class="edited">(edited)</span>' if post.edited else "")
        + (' <span class="only-you">Only visible to you</span>' if post.only_you else "")
        + "</div>"
    )
    if post.blocks:
        body = blocks_html(post.blocks, directory, MessageControls(where, post, directory, refused))
    else:
        body = f'<div class="text">{mrkdwn_html(post.text, directory)}</div>'
    attached = "".join(f'<div class="file">📎 {html.escape((files or {}).get(f, f))}</div>' for f in post.files)
    reactions = "".join(
        f'<span class="reaction">:{html.escape(name)}: {len(users)}</span>' for name, users in post.reactions.items()
    )
    classes = "post only-you" if post.only_you else "post"
    return f'<li class="{classes}">{meta}{body}{attached}{f"<div>{reactions}</div>" if reactions else ""}</li>'


def modal_key(view: View | None) -> str:
    """Changes whenever the modal a person sees changes (opened, updated, pushed, closed)."""
    return f"{view.id}:{view.hash}" if view else ""


def modal_html(
    view: View, depth: int, directory: Directory, where: Where, problem: str = "", errors: dict[str, str] | None = None
) -> str:
    """The top modal of the person's stack as a form: its blocks, field errors beside their inputs, Close and
    (when it has one) Submit."""
    spec: dict[str, Any] = view.view
    shown_errors = {**(view.errors or {}), **(errors or {})}
    body = blocks_html(spec.get("blocks") or [], directory, ModalControls(view, directory), shown_errors)
    close = text_plain(spec.get("close"), directory) or "Cancel"
    submit = ""
    if spec.get("submit"):
        label = text_html(spec["submit"], directory)
        submit = f'<button type="submit" name="do" value="submit" class="btn primary">{label}</button>'
    stack = f' <span class="depth">({depth} forms open)</span>' if depth > 1 else ""
    return (
        f'<div class="backdrop"><form class="modal" method="post" action="/console/view/{html.escape(view.id)}"'
        f' aria-label="{html.escape(text_plain(spec.get("title"), directory))}">{where.hidden()}'
        f"<header><h2>{text_html(spec.get('title'), directory)}</h2>{stack}</header>"
        + (f'<p class="problem" role="alert">{html.escape(problem)}</p>' if problem else "")
        + f'<div class="blocks">{body}</div>'
        f'<footer><button type="submit" name="do" value="close" class="btn" formnovalidate>{plain_html(close)}</button>'
        f"{submit}</footer></form></div>"
    )
